// Store benchmark, on its own throwaway database (created with migrate(),
// dropped at the end, also on failure or Ctrl-C):
//
// 1. item writes per second through the domain, shaped as a CalDAV PUT
//    (putItem with a resource name and If-None-Match: *; ical.js parse and
//    validation, then the write) of a ~1 KB Europe/Berlin VEVENT
//    with its VTIMEZONE, distinct UIDs, at concurrency 1 and 16: 16 writers
//    into one collection (they serialise on its row lock by design), and 16
//    writers into 16 collections, of 16 owners and of 1 owner (whose users
//    row every quota charge then updates);
// 2. the baseline in the same run: the same rows written with bare mysql2
//    prepared statements (position bump, quota charge, item insert, change
//    row, in one transaction), same concurrency and layout. Baseline and
//    domain run in alternating slices so load elsewhere hits both alike;
// 3. changesSince for a small sync (token 10 changes behind the head) on
//    collection logs of 1k, 10k and 100k changes (bulk-inserted, the
//    collections' positions set to match; one changes table holds all three),
//    timed round-robin so machine noise hits every size alike. The ratios to
//    the 1k figure should stay ~1.0. Also the EXPLAIN/ANALYZE of its query.
//
// Results are printed and written to var/bench/store.json. No figure here is
// asserted: speed is judged by the ratios (DESIGN.md).
//   npm run bench:store          (or all benchmarks: npm run bench)
// Tunables (env): BENCH_WRITE_SECONDS (4 per scenario), BENCH_WARMUP_SECONDS
// (0.5), BENCH_SYNC_CALLS (600 per log size), BENCH_DATABASE_SERVER
// (else TEST_DATABASE_SERVER, else mysql://root@127.0.0.1:3306).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { createUser, type User } from '../src/domain/accounts.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { changesSince } from '../src/domain/changes.ts';
import { createCollection } from '../src/domain/collections.ts';
import { parseCalendarObject } from '../src/domain/icalendar.ts';
import { computeEtag, putItem } from '../src/domain/items.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { databaseServerPid, serverCpuMs, throwawayDatabase } from './database.ts';
import { ratioOf, runWhenMain, type BenchResult } from './index.ts';

const WRITE_SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 0.5);
const SYNC_CALLS = Number(process.env.BENCH_SYNC_CALLS ?? 600);
const ROUNDS = 4;
const CONCURRENCY = 16;
const LOG_SIZES = [1_000, 10_000, 100_000] as const;
const SYNC_BEHIND = 10;
const FILL_BATCH = 5_000;
const OUT_FILE = fileURLToPath(new URL('../var/bench/store.json', import.meta.url));

const log = (msg: string) => console.error(`  store: ${msg}`);

// ---------------------------------------------------------------- the data

const CRLF = '\r\n';

/** RFC 5545 3.1: lines longer than 75 octets are folded. */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Never split a UTF-8 sequence.
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74;
  }
  return parts.join(`${CRLF} `);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A realistic ~1 KB invitation in Europe/Berlin with its VTIMEZONE; distinct per UID and n. */
export function benchEvent(uid: string, n: number): string {
  const day = new Date(Date.UTC(2026, 2, 2) + (n % 400) * 86_400_000);
  const date = `${day.getUTCFullYear()}${pad(day.getUTCMonth() + 1)}${pad(day.getUTCDate())}`;
  const hour = 8 + (n % 9);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
    'CALSCALE:GREGORIAN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
    'END:STANDARD',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260301T081500Z',
    'SEQUENCE:0',
    `DTSTART;TZID=Europe/Berlin:${date}T${pad(hour)}3000`,
    `DTEND;TZID=Europe/Berlin:${date}T${pad(hour + 1)}1500`,
    `SUMMARY:Projektabstimmung Q2 — Straßenbahn-Ausbau (#${n})`,
    'LOCATION:Raum 4.12\\, Friedrichstraße 68\\, 10117 Berlin',
    'DESCRIPTION:Agenda:\\n1. Stand der Ausschreibung\\n2. Zeitplan Bauabschnitt Nord\\n' +
      'Einwahl: https://meet.example.org/q2-abstimmung',
    'ORGANIZER;CN=Anna Müller:mailto:anna.mueller@example.org',
    'ATTENDEE;CN=Jörg Schmidt;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:joerg.schmidt@example.org',
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Erinnerung',
    'TRIGGER;VALUE=DURATION:-PT15M',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join(CRLF) + CRLF;
}

/** The indexed fields putItem derives, made without parsing (for the baseline). */
function baselineFields(n: number): { summary: string; startUtc: Date; endUtc: Date } {
  const day = Date.UTC(2026, 2, 2) + (n % 400) * 86_400_000;
  const hour = 8 + (n % 9);
  const start = new Date(day + (hour - 1) * 3_600_000 + 30 * 60_000);
  return { summary: `Projektabstimmung Q2 — Straßenbahn-Ausbau (#${n})`, startUtc: start, endUtc: new Date(start.getTime() + 45 * 60_000) };
}

// ------------------------------------------------------------ measurement

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Server-wide statement counters (other clients of the server add noise). */
async function serverCounters(pool: mysql.Pool): Promise<{ questions: number; prepares: number }> {
  const [rows] = await pool.query<RowDataPacket[]>("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_stmt_prepare')");
  const get = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? NaN);
  return { questions: get('Questions'), prepares: get('Com_stmt_prepare') };
}

interface WriteScenario {
  key: string;
  label: string;
  writes: number;
  seconds: number;
  perSecond: number;
  /** Node process CPU per write (all threads). */
  nodeCpuUsPerWrite: number;
  /** Share of one core the Node process used. */
  nodeCores: number;
  /** The database server's CPU per write, when it runs on this machine. */
  dbCpuUsPerWrite: number | null;
  dbCores: number | null;
  /** Statements (and statement prepares) the server received per write; server-wide counters. */
  statementsPerWrite: number;
  preparesPerWrite: number;
  latencyMs: { median: number; p95: number };
}

type WriteOp = (writer: number, n: number) => Promise<void>;

/** Accumulates the figures of one scenario over several time slices. */
class Meter {
  writes = 0;
  elapsedMs = 0;
  cpuMs = 0;
  dbCpuMs: number | null = 0;
  questions = 0;
  prepares = 0;
  readonly latencies: number[] = [];

  constructor(
    readonly key: string,
    readonly label: string,
    readonly writers: number,
    readonly op: WriteOp,
  ) {}

  result(): WriteScenario {
    const lat = [...this.latencies].sort((a, b) => a - b);
    const w = Math.max(1, this.writes);
    return {
      key: this.key,
      label: this.label,
      writes: this.writes,
      seconds: this.elapsedMs / 1000,
      perSecond: (this.writes * 1000) / this.elapsedMs,
      nodeCpuUsPerWrite: (this.cpuMs * 1000) / w,
      nodeCores: this.cpuMs / this.elapsedMs,
      dbCpuUsPerWrite: this.dbCpuMs === null ? null : (this.dbCpuMs * 1000) / w,
      dbCores: this.dbCpuMs === null ? null : this.dbCpuMs / this.elapsedMs,
      statementsPerWrite: this.questions / w,
      preparesPerWrite: this.prepares / w,
      latencyMs: { median: percentile(lat, 0.5), p95: percentile(lat, 0.95) },
    };
  }
}

/**
 * Runs the meter's writers for `seconds` (writer w calls op(w, n), n unique
 * across the run) and adds the slice to the meter unless it is a warm-up.
 * The first error stops every writer and is thrown.
 */
async function slice(meter: Meter, seconds: number, seq: { n: number }, pool: mysql.Pool, dbPid: number | null, warmup = false): Promise<void> {
  let failure: unknown = null;
  const latencies: number[] = [];
  const loop = async (w: number, until: number): Promise<number> => {
    let done = 0;
    while (failure === null && performance.now() < until) {
      const t0 = performance.now();
      try {
        await meter.op(w, seq.n++);
      } catch (err) {
        failure ??= err;
        break;
      }
      latencies.push(performance.now() - t0);
      done++;
    }
    return done;
  };
  const counters0 = warmup ? null : await serverCounters(pool);
  const db0 = await serverCpuMs(dbPid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: meter.writers }, (_, w) => loop(w, t0 + seconds * 1000)));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const db1 = await serverCpuMs(dbPid);
  if (failure !== null) throw failure;
  if (warmup) return;
  const counters1 = await serverCounters(pool);
  meter.writes += counts.reduce((a, b) => a + b, 0);
  meter.elapsedMs += elapsedMs;
  meter.cpuMs += (cpu.user + cpu.system) / 1000;
  meter.dbCpuMs = meter.dbCpuMs === null || db0 === null || db1 === null ? null : meter.dbCpuMs + (db1 - db0);
  // Less the SHOW STATUS itself.
  meter.questions += counters1.questions - counters0!.questions - 1;
  meter.prepares += counters1.prepares - counters0!.prepares;
  meter.latencies.push(...latencies);
}

/**
 * Baseline and domain side by side: a warm-up of each, then ROUNDS
 * alternating slices, so load from elsewhere on the machine hits both alike.
 */
async function measurePair(base: Meter, domain: Meter, seq: { n: number }, pool: mysql.Pool, dbPid: number | null): Promise<[WriteScenario, WriteScenario]> {
  await slice(base, WARMUP_SECONDS, seq, pool, dbPid, true);
  await slice(domain, WARMUP_SECONDS, seq, pool, dbPid, true);
  for (let r = 0; r < ROUNDS; r++) {
    await slice(base, WRITE_SECONDS / ROUNDS, seq, pool, dbPid);
    await slice(domain, WRITE_SECONDS / ROUNDS, seq, pool, dbPid);
  }
  const pair: [WriteScenario, WriteScenario] = [base.result(), domain.result()];
  for (const s of pair) log(`${s.label}: ${s.perSecond.toFixed(0)} writes/s (${describe(s)})`);
  return pair;
}

function describe(s: WriteScenario): string {
  return (
    `${s.writes} writes in ${s.seconds.toFixed(1)} s; latency p50 ${s.latencyMs.median.toFixed(1)} ms, p95 ${s.latencyMs.p95.toFixed(1)} ms; ` +
    `node ${(s.nodeCpuUsPerWrite / 1000).toFixed(2)} ms CPU/write (${(s.nodeCores * 100).toFixed(0)}% of a core)` +
    (s.dbCores === null ? '' : `, mariadbd ${(s.dbCpuUsPerWrite! / 1000).toFixed(2)} ms CPU/write (${(s.dbCores * 100).toFixed(0)}% of a core)`) +
    `; ~${s.statementsPerWrite.toFixed(1)} statements + ${s.preparesPerWrite.toFixed(1)} prepares/write`
  );
}

// ------------------------------------------------------------- the writes

/** What putItem writes, without parsing or Prisma: bump, quota, item, change, in one transaction. */
async function baselineWrite(pool: mysql.Pool, collectionId: bigint, uid: string, n: number): Promise<void> {
  const icalendar = benchEvent(uid, n);
  const sizeBytes = Buffer.byteLength(icalendar, 'utf8');
  const f = baselineFields(n);
  const etag = computeEtag(1, icalendar);
  const resourceName = `${uid}.ics`;
  const cid = String(collectionId);
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    await conn.execute('UPDATE collections SET changePosition = changePosition + 1 WHERE id = ?', [cid]);
    const [c] = await conn.execute<RowDataPacket[]>('SELECT changePosition, ownerId FROM collections WHERE id = ?', [cid]);
    const position = c[0]!.changePosition as string;
    const ownerId = c[0]!.ownerId as string;
    const [q] = await conn.execute<ResultSetHeader>('UPDATE users SET usedBytes = usedBytes + ? WHERE id = ? AND usedBytes + ? <= quotaBytes', [
      sizeBytes,
      ownerId,
      sizeBytes,
    ]);
    if (q.affectedRows !== 1) throw new Error('baseline: quota exceeded');
    const now = new Date();
    await conn.execute(
      `INSERT INTO items (collectionId, uid, resourceName, kind, icalendar, summary, startUtc, endUtc, isRecurring, etag, version, sizeBytes, origin, createdAt, updatedAt)
       VALUES (?, ?, ?, 'VEVENT', ?, ?, ?, ?, 0, ?, 1, ?, 'caldav', ?, ?)`,
      [cid, uid, resourceName, icalendar, f.summary, f.startUtc, f.endUtc, etag, sizeBytes, now, now],
    );
    await conn.execute(
      `INSERT INTO changes (collectionId, position, operation, uid, resourceName, changedFields, actorUserId, origin)
       VALUES (?, ?, 'put', ?, ?, 'created', ?, 'caldav')`,
      [cid, position, uid, resourceName, ownerId],
    );
    await conn.commit();
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

// ----------------------------------------------------------- change log

async function fillChanges(pool: mysql.Pool, collectionId: bigint, actor: bigint, from: number, to: number): Promise<void> {
  for (let start = from + 1; start <= to; start += FILL_BATCH) {
    const end = Math.min(to, start + FILL_BATCH - 1);
    const rows: unknown[][] = [];
    for (let p = start; p <= end; p++) {
      // Resources are rewritten over time, as in a real calendar.
      const r = p % 3_000;
      rows.push([String(collectionId), p, p % 50 === 0 ? 'delete' : 'put', `fill-${r}@bench.tidings`, `fill-${r}.ics`, 'summary,start', String(actor), 'caldav']);
    }
    await pool.query('INSERT INTO changes (collectionId, position, operation, uid, resourceName, changedFields, actorUserId, origin) VALUES ?', [rows]);
  }
  await pool.execute('UPDATE collections SET changePosition = ? WHERE id = ?', [to, String(collectionId)]);
}

// The statement changesSince runs (src/domain/changes.ts), for EXPLAIN and a query-only timing.
const CHANGES_SQL = `SELECT position, operation, uid, resourceName FROM changes
      WHERE collectionId = ? AND position > ? AND position <= ?
      ORDER BY position`;

interface SyncFigures {
  size: number;
  collectionId: bigint;
  calls: number;
  changesSince: { median: number; p95: number };
  queryOnly: { median: number; p95: number };
  explain: Record<string, unknown>[];
  analyze: Record<string, unknown>[];
}

/**
 * Times changesSince (token SYNC_BEHIND changes behind the head) on logs of
 * each size, round-robin call by call so that load from elsewhere on the
 * machine hits every size alike; also the bare query on mysql2.
 */
async function measureSync(store: Store, userId: bigint, epoch: string, logs: Array<{ size: number; collectionId: bigint }>): Promise<SyncFigures[]> {
  const setups = logs.map(({ size, collectionId }) => ({
    size,
    collectionId,
    token: `${epoch}-${size - SYNC_BEHIND}`,
    params: [String(collectionId), String(size - SYNC_BEHIND), String(size)],
    full: [] as number[],
    query: [] as number[],
  }));
  for (const s of setups) {
    const check = await changesSince(store, userId, s.collectionId, s.token);
    if (check.changes.length !== SYNC_BEHIND || check.position !== BigInt(s.size) || check.truncated) {
      throw new Error(`changesSince on a ${s.size}-change log: expected ${SYNC_BEHIND} changes up to ${s.size}, got ${check.changes.length} up to ${check.position}`);
    }
  }
  const warm = Math.max(20, Math.floor(SYNC_CALLS / 10));
  for (let i = 0; i < warm + SYNC_CALLS; i++) {
    for (let k = 0; k < setups.length; k++) {
      const s = setups[(i + k) % setups.length]!;
      const t0 = performance.now();
      await changesSince(store, userId, s.collectionId, s.token);
      const t1 = performance.now();
      await store.pool.execute(CHANGES_SQL, s.params);
      const t2 = performance.now();
      if (i >= warm) {
        s.full.push(t1 - t0);
        s.query.push(t2 - t1);
      }
    }
  }
  const figures: SyncFigures[] = [];
  for (const s of setups) {
    s.full.sort((a, b) => a - b);
    s.query.sort((a, b) => a - b);
    const literal = mysql.format(CHANGES_SQL, s.params);
    const [explain] = await store.pool.query<RowDataPacket[]>(`EXPLAIN ${literal}`);
    const [analyze] = await store.pool.query<RowDataPacket[]>(`ANALYZE ${literal}`);
    const fig: SyncFigures = {
      size: s.size,
      collectionId: s.collectionId,
      calls: s.full.length,
      changesSince: { median: percentile(s.full, 0.5), p95: percentile(s.full, 0.95) },
      queryOnly: { median: percentile(s.query, 0.5), p95: percentile(s.query, 0.95) },
      explain: explain.map((r) => ({ ...r })),
      analyze: analyze.map((r) => ({ ...r })),
    };
    log(
      `changesSince, ${s.size}-change log: p50 ${fig.changesSince.median.toFixed(3)} ms, p95 ${fig.changesSince.p95.toFixed(3)} ms ` +
        `(query alone p50 ${fig.queryOnly.median.toFixed(3)} ms); EXPLAIN key=${String(explain[0]?.key)} type=${String(explain[0]?.type)} rows=${String(explain[0]?.rows)}`,
    );
    figures.push(fig);
  }
  return figures;
}

function explainText(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

// ------------------------------------------------------------------ run

export async function run(): Promise<BenchResult[]> {
  let store: Store | null = null;
  // Ctrl-C or a kill during the run still drops the database.
  const db = throwawayDatabase('tidings_bench', async () => store?.close());
  const { name: dbName, url } = db;
  let failed = true;
  try {
    log(`database ${dbName}`);
    const { epoch } = await migrate(url);
    store = openStore(url, { connectionLimit: CONCURRENCY + 8 });
    const results = await measureAll(store, epoch);
    failed = false;
    return results;
  } finally {
    await store?.close().catch(() => {});
    try {
      await db.drop();
      log(`dropped ${dbName}`);
    } catch (err) {
      log(`could not drop ${dbName}: ${err instanceof Error ? err.message : String(err)}`);
      // An error of the run itself is the one to report.
      if (!failed) throw err;
    }
  }
}

async function measureAll(store: Store, epoch: string): Promise<BenchResult[]> {
  const started = performance.now();
  const [[server]] = await store.pool.query<RowDataPacket[]>('SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS flush');
  const dbPid = await databaseServerPid(store.pool);

  // Owner 0 holds the single-collection runs and all 16 collections of the
  // one-owner run; owners 1..16 one collection each, so that run shares no row.
  const users: User[] = [];
  for (let i = 0; i <= CONCURRENCY; i++) {
    users.push(await createUser(store, { email: `owner${i}@bench.tidings`, password: 'bench-password', quotaBytes: 1n << 40n }, SYSTEM));
  }
  const owner = users[0]!;
  const ownerOf = new Map<bigint, bigint>();
  const newCollection = async (ownerId: bigint, name: string): Promise<bigint> => {
    const { id } = await createCollection(store, { ownerId, name, timeZone: 'Europe/Berlin' }, { actorUserId: ownerId, channel: 'system' });
    ownerOf.set(id, ownerId);
    return id;
  };
  const many = (prefix: string, oneOwner: boolean) =>
    Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => newCollection(oneOwner ? owner.id : users[w + 1]!.id, `${prefix} ${w}`)));

  const layouts: Array<{ key: string; label: string; writers: number; collections: (prefix: string) => Promise<bigint[]> }> = [
    { key: 'c1', label: 'c=1', writers: 1, collections: async (p) => [await newCollection(owner.id, `${p} c1`)] },
    { key: 'c16-1-collection', label: 'c=16, 1 collection', writers: CONCURRENCY, collections: async (p) => [await newCollection(owner.id, `${p} one`)] },
    { key: 'c16-16-collections-16-owners', label: 'c=16, 16 collections, 16 owners', writers: CONCURRENCY, collections: (p) => many(`${p} spread`, false) },
    { key: 'c16-16-collections-1-owner', label: 'c=16, 16 collections, 1 owner', writers: CONCURRENCY, collections: (p) => many(`${p} spread1`, true) },
  ];

  // The parse alone, single-threaded: the CPU floor of a domain write.
  const sample = benchEvent('parse-sample@bench.tidings', 1);
  const eventBytes = Buffer.byteLength(sample, 'utf8');
  parseCalendarObject(sample, { floatingZone: 'Europe/Berlin' });
  let parses = 0;
  const p0 = performance.now();
  while (performance.now() - p0 < 1000) {
    parseCalendarObject(benchEvent(`parse-${parses}@bench.tidings`, parses), { floatingZone: 'Europe/Berlin' });
    parses++;
  }
  const parsePerSecond = (parses * 1000) / (performance.now() - p0);
  log(`event is ~${eventBytes} bytes; parseCalendarObject alone ${parsePerSecond.toFixed(0)}/s (${(1e6 / parsePerSecond).toFixed(0)} µs each)`);

  // 1 and 2: writes, domain against baseline.
  const seq = { n: 0 };
  const runTag = randomBytes(3).toString('hex');
  const uidOf = (kind: string, n: number) => `${kind}-${runTag}-${n}@bench.tidings`;
  const acknowledged = new Map<bigint, number>();
  const ack = (c: bigint) => acknowledged.set(c, (acknowledged.get(c) ?? 0) + 1);
  const writes: Array<{ layout: string; baseline: WriteScenario; domain: WriteScenario }> = [];
  for (const layout of layouts) {
    const baseCols = await layout.collections('baseline');
    const domCols = await layout.collections('domain');
    const base = new Meter(`baseline-${layout.key}`, `mysql2 txn, ${layout.label}`, layout.writers, async (w, n) => {
      const c = baseCols[w % baseCols.length]!;
      await baselineWrite(store.pool, c, uidOf('b', n), n);
      ack(c);
    });
    const domain = new Meter(`domain-${layout.key}`, `putItem, ${layout.label}`, layout.writers, async (w, n) => {
      const c = domCols[w % domCols.length]!;
      // Shaped as a CalDAV PUT: the client names the resource and asks that it not exist yet.
      const uid = uidOf('d', n);
      await putItem(store, { actorUserId: ownerOf.get(c)!, collectionId: c, icalendar: benchEvent(uid, n), origin: 'caldav', resourceName: `${uid}.ics`, ifNoneMatch: true });
      ack(c);
    });
    const [b, d] = await measurePair(base, domain, seq, store.pool, dbPid);
    writes.push({ layout: layout.label, baseline: b, domain: d });
  }

  // Every acknowledged write is there, once, with its change row and position.
  for (const [c, n] of acknowledged) {
    const [[row]] = await store.pool.execute<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM items WHERE collectionId = ?) AS items, (SELECT COUNT(*) FROM changes WHERE collectionId = ?) AS changes,
              (SELECT changePosition FROM collections WHERE id = ?) AS position`,
      [String(c), String(c), String(c)],
    );
    if (Number(row!.items) !== n || Number(row!.changes) !== n || Number(row!.position) !== n) {
      throw new Error(`collection ${c}: ${n} writes acknowledged, found ${row!.items} items, ${row!.changes} changes, position ${row!.position}`);
    }
  }

  // 3: changesSince on 1k, 10k and 100k-change logs.
  const logs: Array<{ size: number; collectionId: bigint }> = [];
  for (const size of LOG_SIZES) {
    const collectionId = await newCollection(owner.id, `sync log ${size}`);
    const f0 = performance.now();
    await fillChanges(store.pool, collectionId, owner.id, 0, size);
    log(`log of ${size} changes filled in ${((performance.now() - f0) / 1000).toFixed(1)} s`);
    logs.push({ size, collectionId });
  }
  const sync = await measureSync(store, owner.id, epoch, logs);

  // ----------------------------------------------------------- results
  const results: BenchResult[] = [];
  for (const w of writes) {
    results.push({
      name: `putItem, ${w.layout}`,
      unit: 'writes/s',
      value: w.domain.perSecond,
      baseline: { name: `mysql2 txn, ${w.layout}`, value: w.baseline.perSecond },
      note: `putItem: ${describe(w.domain)}\nmysql2:  ${describe(w.baseline)}`,
    });
  }
  const c1 = writes[0]!;
  for (const w of writes.slice(1)) {
    results.push({ name: `putItem scaling, ${w.layout}`, unit: 'writes/s', value: w.domain.perSecond, baseline: { name: 'putItem, c=1', value: c1.domain.perSecond } });
  }
  for (const w of writes.slice(1)) {
    results.push({ name: `mysql2 scaling, ${w.layout}`, unit: 'writes/s', value: w.baseline.perSecond, baseline: { name: 'mysql2 txn, c=1', value: c1.baseline.perSecond } });
  }
  results.push({
    name: `parseCalendarObject alone, ${eventBytes} B event`,
    unit: 'parses/s',
    value: parsePerSecond,
    note: `${(1e6 / parsePerSecond).toFixed(0)} µs CPU per parse; putItem parses once per create (twice per update)`,
  });

  const first = sync[0]!;
  const usesIndex = sync.every((f) => f.explain.length === 1 && f.explain[0]!.key === 'changes_collectionId_position_key');
  const k = (n: number) => `${n / 1000}k`;
  const explainNote = (f: SyncFigures) => {
    const e = f.explain[0] ?? {};
    const a = f.analyze[0] ?? {};
    return `EXPLAIN: type=${String(e.type)} key=${String(e.key)} rows=${String(e.rows)} (${String(e.Extra)}); ANALYZE r_rows=${String(a.r_rows)}`;
  };
  for (const [label, pick] of [
    ['changesSince p50', (f: SyncFigures) => f.changesSince.median],
    ['changesSince p95', (f: SyncFigures) => f.changesSince.p95],
    ['changes query alone p50', (f: SyncFigures) => f.queryOnly.median],
  ] as const) {
    for (const f of sync) {
      results.push({
        name: `${label}, ${SYNC_BEHIND} behind, ${k(f.size)}-change log`,
        unit: 'ms',
        value: pick(f),
        baseline: { name: `same, ${k(first.size)}-change log`, value: pick(first) },
        note: label === 'changesSince p50' && f === sync[sync.length - 1] ? `${explainNote(f)}${usesIndex ? '; same index at every size' : ''}` : undefined,
      });
    }
  }

  const last = sync[sync.length - 1]!;
  console.log(`\nEXPLAIN of the changesSince query on the ${k(last.size)}-change log (uses changes_collectionId_position_key at every size: ${usesIndex ? 'yes' : 'NO'}):\n`);
  console.log(mysql.format(CHANGES_SQL, [String(last.collectionId), String(last.size - SYNC_BEHIND), String(last.size)]).replace(/\s+/g, ' '));
  console.log();
  console.log(explainText(last.explain));
  console.log('\nANALYZE (rows actually read):\n');
  console.log(explainText(last.analyze));

  const report = {
    benchmark: 'store',
    generatedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      database: String(server!.v),
      innodbFlushLogAtTrxCommit: Number(server!.flush),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      loadAverage: os.loadavg(),
    },
    settings: { writeSeconds: WRITE_SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, syncCalls: SYNC_CALLS, syncBehind: SYNC_BEHIND, eventBytes },
    durationSeconds: (performance.now() - started) / 1000,
    results: results.map((r) => ({ ...r, ratio: ratioOf(r) })),
    writes,
    parsePerSecond,
    changesSince: {
      query: CHANGES_SQL.replace(/\s+/g, ' '),
      usesPositionIndex: usesIndex,
      logs: sync.map((f) => ({ ...f, ratioMedianTo1k: f.changesSince.median / first.changesSince.median, ratioP95To1k: f.changesSince.p95 / first.changesSince.p95 })),
    },
  };
  await mkdir(path.dirname(OUT_FILE), { recursive: true });
  await writeFile(OUT_FILE, JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), OUT_FILE) || OUT_FILE}`);
  return results;
}

runWhenMain(import.meta.url, 'Store benchmark (ratio = value / baseline measured in the same run)', run);
