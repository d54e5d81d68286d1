// CalDAV benchmark, on its own throwaway database (created with migrate(),
// dropped at the end, also on failure): a collection seeded with 1,000
// events through the domain, then requests per second and p50/p99 latency at
// concurrency 16 for
//   1. PROPFIND Depth 0 of the collection's ctag (what a polling client sends first),
//   2. a no-change sync-collection REPORT,
//   3. GET of one item,
//   4. calendar-multiget of 50 items,
// each next to a bare Express handler (same server stack, no auth, no
// database) measured in alternating slices of the same run, so the ratio
// shows what CalDAV itself costs. Every DAV request pays the real
// per-request work: the cached Basic login (one primary-key read) and the
// per-user throttle counter in MariaDB (DAV_RATE_LIMIT set high, not off).
//
//   npm run bench:dav            (or all benchmarks: npm run bench)
// Tunables (env): BENCH_DAV_SECONDS (3 per scenario), BENCH_DAV_ITEMS (1000),
// BENCH_DATABASE_SERVER (else TEST_DATABASE_SERVER, else mysql://root@127.0.0.1:3306).
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { loadConfig } from '../src/config.ts';
import { createUser } from '../src/domain/accounts.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { createCollection } from '../src/domain/collections.ts';
import { putItem } from '../src/domain/items.ts';
import { createApp } from '../src/web-server.ts';
import { listen, type RunningServer } from '../src/http/server.ts';
import { createLogger } from '../src/log.ts';
import { openStore } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';
import { benchEvent } from './store.bench.ts';

const SECONDS = Number(process.env.BENCH_DAV_SECONDS ?? 3);
const ITEMS = Number(process.env.BENCH_DAV_ITEMS ?? 1000);
const CONCURRENCY = 16;
const ROUNDS = 3;
const MULTIGET = 50;
const OUT_FILE = fileURLToPath(new URL('../var/bench/dav.json', import.meta.url));
const PASSWORD = 'bench password 123';

const log = (msg: string) => console.error(`  dav: ${msg}`);

interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: number;
}

interface Figures {
  requests: number;
  seconds: number;
  latencies: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(port: number, r: Request): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Runs CONCURRENCY loops of `r` for `seconds`, adding to `into`. */
async function slice(port: number, r: Request, seconds: number, into: Figures | null): Promise<void> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const status = await send(port, r);
        if (status !== r.expect) throw new Error(`${r.method} ${r.path}: expected ${r.expect}, got ${status}`);
        latencies.push(performance.now() - t0);
        count++;
      }
    }),
  );
  if (into) {
    into.requests += count;
    into.seconds += (performance.now() - started) / 1000;
    into.latencies.push(...latencies);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

function summary(f: Figures) {
  const sorted = [...f.latencies].sort((a, b) => a - b);
  return { perSecond: f.requests / f.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), requests: f.requests };
}

export async function run(): Promise<BenchResult[]> {
  let servers: RunningServer[] = [];
  let store: ReturnType<typeof openStore> | null = null;
  const db = throwawayDatabase('tidings_bench_dav', async () => store?.close());
  const { url } = db;
  try {
    await migrate(url);
    store = openStore(url, { connectionLimit: 20 });
    const user = await createUser(store, { email: 'bench@example.org', password: PASSWORD }, SYSTEM);
    const collection = await createCollection(store, { ownerId: user.id, name: 'Bench', slug: 'bench', timeZone: 'Europe/Berlin' }, SYSTEM);
    log(`seeding ${ITEMS} events through putItem`);
    for (let n = 0; n < ITEMS; n++) {
      await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: benchEvent(`ev-${n}@bench.tidings`, n), origin: 'caldav', resourceName: `ev-${n}.ics` });
    }
    const config = loadConfig({ DATABASE_URL: url, DAV_RATE_LIMIT: process.env.BENCH_DAV_RATE_LIMIT ?? '1000000000', LOG_LEVEL: 'silent' });
    const dav = await listen(createApp({ store, log: createLogger('silent'), config }), 0, '127.0.0.1');
    const bareApp = express();
    bareApp.disable('x-powered-by');
    bareApp.get('/bare', (_req, res) => {
      res.type('text/plain').send('ok');
    });
    const bare = await listen(bareApp, 0, '127.0.0.1');
    servers = [dav, bare];

    const auth = { Authorization: `Basic ${Buffer.from(`bench@example.org:${PASSWORD}`).toString('base64')}` };
    const xml = { ...auth, 'Content-Type': 'application/xml; charset=utf-8' };
    const home = '/dav/calendars/bench@example.org/bench/';
    const initial = await fetch(`http://127.0.0.1:${dav.port}${home}`, {
      method: 'REPORT',
      headers: xml,
      body: '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
    });
    const token = /<d:sync-token>([^<]+)</.exec(await initial.text())?.[1];
    if (!token) throw new Error('no sync token from the initial sync');
    const hrefs = Array.from({ length: MULTIGET }, (_, i) => `<d:href>${home}ev-${i * Math.floor(ITEMS / MULTIGET)}.ics</d:href>`).join('');
    const scenarios: Array<{ key: string; label: string; request: Request }> = [
      {
        key: 'propfind-ctag',
        label: 'PROPFIND Depth 0 getctag',
        request: { method: 'PROPFIND', path: home, headers: { ...xml, Depth: '0' }, expect: 207, body: '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>' },
      },
      {
        key: 'sync-no-change',
        label: 'sync-collection, no change',
        request: {
          method: 'REPORT',
          path: home,
          headers: xml,
          expect: 207,
          body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
        },
      },
      { key: 'get-item', label: 'GET one item', request: { method: 'GET', path: `${home}ev-500.ics`, headers: auth, expect: 200 } },
      {
        key: 'multiget-50',
        label: `calendar-multiget of ${MULTIGET}`,
        request: {
          method: 'REPORT',
          path: home,
          headers: { ...xml, Depth: '1' },
          expect: 207,
          body: `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs}</c:calendar-multiget>`,
        },
      },
    ];
    const bareRequest: Request = { method: 'GET', path: '/bare', headers: {}, expect: 200 };
    const results: BenchResult[] = [];
    const raw: Record<string, unknown> = {};
    for (const s of scenarios) {
      const base: Figures = { requests: 0, seconds: 0, latencies: [] };
      const figures: Figures = { requests: 0, seconds: 0, latencies: [] };
      await slice(bare.port, bareRequest, 0.3, null);
      await slice(dav.port, s.request, 0.3, null);
      for (let r = 0; r < ROUNDS; r++) {
        await slice(bare.port, bareRequest, SECONDS / ROUNDS, base);
        await slice(dav.port, s.request, SECONDS / ROUNDS, figures);
      }
      const b = summary(base);
      const d = summary(figures);
      log(`${s.label}: ${d.perSecond.toFixed(0)} req/s (p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms); bare Express ${b.perSecond.toFixed(0)} req/s`);
      raw[s.key] = { dav: d, bare: b };
      results.push({
        name: `${s.label} (c=${CONCURRENCY})`,
        unit: 'req/s',
        value: d.perSecond,
        baseline: { name: 'bare Express GET', value: b.perSecond },
        note: `p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms (bare: p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms); ${d.requests} requests over ${ITEMS} items`,
      });
    }
    await mkdir(path.dirname(OUT_FILE), { recursive: true });
    await writeFile(OUT_FILE, JSON.stringify({ at: new Date().toISOString(), items: ITEMS, concurrency: CONCURRENCY, seconds: SECONDS, results: raw }, null, 2) + '\n');
    return results;
  } finally {
    agent.destroy();
    await Promise.all(servers.map((s) => s.close()));
    await store?.close();
    await db.drop();
  }
}

runWhenMain(import.meta.url, 'CalDAV benchmark (ratio = value / bare Express measured in the same run)', run);
