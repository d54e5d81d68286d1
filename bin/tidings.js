#!/usr/bin/env node
// The `tidings` command. It runs the compiled dist/ (`npm run build`, which
// `npm ci` and scripts/setup.sh run) when dist/ was built after every change
// under src/: no TypeScript is compiled at start, and `help` answers at once.
//
// When dist/ is missing or any source is newer (a developer edited src/, or a
// checkout changed it), it falls back to running src/ through tsx, which
// compiles at every start: seconds slower, never stale. It does not rebuild
// dist/ itself, because several `tidings` processes may start at once (the
// tests run the command in parallel) and would write dist/ over each other;
// `npm run build` makes it fast again.
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist.js';

let entry = '../dist/cli/index.js';
if (!distIsFresh(fileURLToPath(new URL('..', import.meta.url)))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/index.ts';
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2), process.env);
