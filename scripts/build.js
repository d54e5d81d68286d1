// Compiles src/ to dist/ once, so `tidings` starts without compiling
// TypeScript (tsx compiled every module at every start: 4-15 s per command).
// Run by `npm ci` (postinstall, after prisma generate), by scripts/setup.sh
// when src/ changed since, and by hand: `npm run build`.
//
// One JavaScript file per TypeScript file, at the same depth (src/a/b.ts ->
// dist/a/b.js), so paths a module finds through import.meta.url
// (../../prisma/migrations/, ../../mailtemplates/) point where they did.
// esbuild is what tsx runs on every start, with the same tsconfig.json, so
// the output means what the tsx run means (isolatedModules guarantees each
// file compiles on its own). Types are not checked here: `npm run typecheck`.
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { STAMP } from './dist.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * Leaves every import as it is written, except that a relative `./x.ts`
 * becomes `./x.js` (the sources import TypeScript files by their own name).
 * esbuild only rewrites import paths when it bundles, so it "bundles" each
 * file with every import external: nothing is inlined, each output stands
 * for exactly one source.
 */
const keepImports = {
  name: 'keep-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const rewritten = /^\.\.?\//.test(args.path) ? args.path.replace(/\.ts$/, '.js') : args.path;
      return { path: rewritten, external: true };
    });
  },
};

const started = new Date();
rmSync(DIST, { recursive: true, force: true });
const entryPoints = sources(SRC);
await esbuild.build({
  entryPoints,
  outdir: DIST,
  outbase: SRC,
  bundle: true,
  plugins: [keepImports],
  platform: 'node',
  format: 'esm',
  // engines.node in package.json
  target: 'node20.19',
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  // Stack traces point into dist/; `node --enable-source-maps` maps them back to src/.
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Written last, and dated to when the build began: scripts/dist.js trusts dist/
// only with this file, and only while nothing under src/ is newer.
mkdirSync(DIST, { recursive: true });
const stamp = path.join(DIST, STAMP);
writeFileSync(stamp, `built from src/ at ${started.toISOString()}\n`);
utimesSync(stamp, started, started);
if (!process.argv.includes('--quiet')) console.log(`build: ${entryPoints.length} files from src/ compiled to dist/`);
