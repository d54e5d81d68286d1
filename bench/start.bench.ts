// Start-up benchmark: how long a user waits for the `tidings` command, each
// run a new process (as a shell runs it), against `node -e 0` measured in
// the same run (the floor: Node itself starting and exiting).
//
// 1. `tidings help`                 - no configuration use beyond parsing, no database;
// 2. `tidings address list --json`  - opens the store on a migrated throwaway database;
// 3. `tidings serve`                - from spawn until GET /healthz answers 200.
//
// Each figure is the median of BENCH_START_RUNS runs (default 5) in ms; the
// ratio is median / median of `node -e 0`. The note says whether bin/tidings.js
// ran the built dist/ or fell back to tsx (dist/ missing or older than src/).
//   npm run bench:start        (or every benchmark: npm run bench)
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist.js';
import { migrate } from '../src/store/migrate.ts';
import { throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/tidings.js', import.meta.url));
const log = (msg: string) => console.error(`  start: ${msg}`);

function baseEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...extra };
}

/** Runs one process to its end; resolves with the wall time in ms, rejects on a non-zero exit. */
function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `tidings serve`; resolves with the ms until /healthz answers 200, after the process has stopped again. */
async function timeServe(databaseUrl: string): Promise<number> {
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: baseEnv({ DATABASE_URL: databaseUrl, HTTP_PORT: String(httpPort), SMTP_PORT: String(smtpPort), OUTBOX_DIR: 'var/bench/outbox' }),
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let dead = false;
  void exited.then(() => (dead = true));
  try {
    for (;;) {
      if (dead) throw new Error(`tidings serve exited before /healthz answered: ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function medianOf(label: string, once: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  log(`${label}: median ${median.toFixed(0)} ms of ${times.map((t) => t.toFixed(0)).join(', ')}`);
  return median;
}

export async function run(): Promise<BenchResult[]> {
  const db = throwawayDatabase('bench_start');
  try {
    await migrate(db.url);
    const fresh = distIsFresh(ROOT);
    const runner = fresh ? 'bin/tidings.js ran dist/ (built, newer than src/)' : 'bin/tidings.js ran src/ through tsx (dist/ missing or older than src/: npm run build)';
    log(runner);
    // One unmeasured run of each warms the file-system cache (and tsx's own cache, when it runs).
    await timeProcess(['-e', '0'], baseEnv({}));
    await timeProcess([BIN, 'help'], baseEnv({}));
    await timeProcess([BIN, 'address', 'list', '--json'], baseEnv({ DATABASE_URL: db.url }));

    const floor = await medianOf('node -e 0', () => timeProcess(['-e', '0'], baseEnv({})));
    const help = await medianOf('tidings help', () => timeProcess([BIN, 'help'], baseEnv({})));
    const list = await medianOf('tidings address list --json', () => timeProcess([BIN, 'address', 'list', '--json'], baseEnv({ DATABASE_URL: db.url })));
    const serve = await medianOf('tidings serve until /healthz', () => timeServe(db.url));
    const baseline = { name: 'node -e 0', value: floor };
    return [
      { name: 'tidings help', unit: 'ms', value: help, baseline, note: runner },
      { name: 'tidings address list --json (migrated db)', unit: 'ms', value: list, baseline },
      { name: 'tidings serve until /healthz answers', unit: 'ms', value: serve, baseline },
    ];
  } finally {
    await db.drop();
  }
}

runWhenMain(import.meta.url, `Start-up (median of ${RUNS} runs each; ratio = median / node -e 0)`, run);
