// Runs every benchmark module and prints one combined table of ratios.
// Speed is judged as a ratio against a baseline measured in the same run
// (DESIGN.md), never by timed assertions in tests.
//
//   npm run bench            every module below
//   npm run bench:store      one module on its own (each module is runnable)
//   npm run bench:dav
//   npm run bench:hostile    event-loop delay under hostile mail, against the same load without it
//   npm run bench:start      how long the `tidings` command and `serve` take to start
import { pathToFileURL } from 'node:url';

/** One measured figure. `ratio` is value / baseline.value unless the module says otherwise. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** Free text shown under the row (e.g. the index a query uses); may hold several lines. */
  note?: string;
}

export interface BenchModule {
  run(): Promise<BenchResult[]>;
}

/** Every benchmark the project has. Add new modules here. */
export const BENCHMARKS: ReadonlyArray<{ name: string; load: () => Promise<BenchModule> }> = [
  { name: 'store', load: () => import('./store.bench.ts') },
  { name: 'smtp', load: () => import('./smtp.bench.ts') },
  { name: 'smtp-stages', load: () => import('./smtp-stages.bench.ts') },
  { name: 'alerts', load: () => import('./alerts.bench.ts') },
  { name: 'dav', load: () => import('./dav.bench.ts') },
  { name: 'hostile', load: () => import('./hostile.bench.ts') },
  { name: 'start', load: () => import('./start.bench.ts') },
];

/**
 * Runs a benchmark module on its own when it is the script node was started
 * with (`npm run bench:smtp`); does nothing when it is imported by this file.
 */
export function runWhenMain(moduleUrl: string, title: string, run: () => Promise<BenchResult[]>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  run().then(
    (results) => {
      console.log(`\n${title}\n`);
      console.log(formatTable(results));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function ratioOf(r: BenchResult): number | undefined {
  if (r.ratio !== undefined) return r.ratio;
  if (r.baseline && r.baseline.value !== 0) return r.value / r.baseline.value;
  return undefined;
}

/** A plain-text table: benchmark, name, value, baseline, ratio (and notes under it). */
export function formatTable(rows: Array<BenchResult & { bench?: string }>): string {
  const header = ['bench', 'name', 'value', 'baseline', 'baseline value', 'ratio'];
  const cells = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.bench ?? '',
      r.name,
      `${formatNumber(r.value)} ${r.unit}`,
      r.baseline?.name ?? '',
      r.baseline ? `${formatNumber(r.baseline.value)} ${r.unit}` : '',
      ratio === undefined ? '' : `${ratio.toFixed(3)}x`,
    ];
  });
  const showBench = rows.some((r) => r.bench);
  const cols = header.map((_, i) => i).filter((i) => i !== 0 || showBench);
  const widths = cols.map((i) => Math.max(header[i]!.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 4, 5]);
  const line = (c: string[]) =>
    cols.map((i, k) => (right.has(i) ? c[i]!.padStart(widths[k]!) : c[i]!.padEnd(widths[k]!))).join('  ').trimEnd();
  const out = [line(header), cols.map((_, k) => '-'.repeat(widths[k]!)).join('  ')];
  rows.forEach((r, i) => {
    out.push(line(cells[i]!));
    const indent = ' '.repeat(showBench ? widths[0]! + 2 : 0);
    for (const note of r.note?.split('\n') ?? []) out.push(`${indent}  ↳ ${note}`);
  });
  return out.join('\n');
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const selected = only.length > 0 ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  if (selected.length === 0) {
    console.error(`no benchmark named ${only.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const rows: Array<BenchResult & { bench: string }> = [];
  const failed: string[] = [];
  for (const b of selected) {
    const started = performance.now();
    console.error(`bench ${b.name}: running`);
    try {
      const mod = await b.load();
      const results = await mod.run();
      rows.push(...results.map((r) => ({ ...r, bench: b.name })));
      console.error(`bench ${b.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      failed.push(b.name);
      console.error(`bench ${b.name}: FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    }
  }
  if (rows.length > 0) {
    console.log('\nBenchmarks (ratio = value / baseline measured in the same run)\n');
    console.log(formatTable(rows));
  }
  if (failed.length > 0) {
    console.error(`\n${failed.length} benchmark(s) failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
