// Is dist/ (the compiled src/, `npm run build`) current? bin/tidings.js asks
// at every start, so this must stay cheap: one stat per file and folder under
// src/ (a few milliseconds), no hashing.
//
// scripts/build.js writes dist/.built last and dates it to the moment the
// build began, so a source saved while the build ran counts as newer.
// File dates are a safe guide here (unlike for node_modules): a checkout or
// an edit makes a source newer than the build, which only costs a slower
// start (tsx), never stale code.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const STAMP = '.built';

/** The newest modification time (ms) of `dir`, every folder and every file under it. */
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** True when `root`/dist was built completely after every change under `root`/src and to tsconfig.json. */
export function distIsFresh(root) {
  let built;
  try {
    built = statSync(path.join(root, 'dist', STAMP)).mtimeMs;
  } catch {
    return false;
  }
  try {
    return Math.max(newestUnder(path.join(root, 'src')), statSync(path.join(root, 'tsconfig.json')).mtimeMs) <= built;
  } catch {
    return false;
  }
}
