// Alerts benchmark, on its own throwaway database (dropped at the end, also
// on failure or Ctrl-C), with a local smtp-server sink that accepts and
// discards:
//
// 1. fan-out: one change to a collection with N subscribers (default
//    10,000) becomes N rendered alerts in the outbox, in the fan-out's one
//    transaction (runAlertFanout: change log, members, budgets, templates,
//    multi-row INSERTs). Baseline in the same run: the very same rows (same
//    bytes) written by a bare mysql2 multi-row INSERT in one transaction.
// 2. delivery: those N rows delivered to the sink by deliverOutbox (claims
//    with SKIP LOCKED, nodemailer over a pool of 5 connections, outcome
//    updates). Baseline in the same run: a bare nodemailer send loop over the
//    same pooled transport settings and concurrency, the same N messages.
//
// Ratios are ours / baseline (time; lower is better). Results are printed
// and written to var/bench/alerts.json. Nothing here is asserted.
//   npm run bench:alerts        (or every benchmark: npm run bench)
// Tunables (env): BENCH_ALERT_SUBSCRIBERS (10000), BENCH_DATABASE_SERVER
// (else TEST_DATABASE_SERVER, else mysql://root@127.0.0.1:3306).
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { runAlertFanout } from '../src/jobs/alert-fanout.ts';
import { loadMailTemplates } from '../src/mail/outgoing/templates.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { createCollection } from '../src/domain/collections.ts';
import { createUser } from '../src/domain/accounts.ts';
import { putItem } from '../src/domain/items.ts';
import { deliverOutbox } from '../src/mail/outgoing/outbox/delivery.ts';
import type { OutboxPayload } from '../src/domain/outbox/enqueue.ts';
import { createMailer } from '../src/mail/outgoing/outbox/mailer.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { withSqlTransaction } from '../src/store/sql.ts';
import { throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';

const SUBSCRIBERS = Number(process.env.BENCH_ALERT_SUBSCRIBERS ?? 10_000);
const POOL = 5;
const CONCURRENCY = 8;
const OUT_FILE = fileURLToPath(new URL('../var/bench/alerts.json', import.meta.url));
const log = (msg: string) => console.error(`  alerts: ${msg}`);
const seconds = (ms: number) => ms / 1000;

/** A sink that accepts everything and keeps only a count. */
async function startSink(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        n++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, count: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** N members with default (immediate) alerts, written in bulk: argon2 per user would measure nothing of interest. */
async function populate(store: Store): Promise<{ collectionId: bigint; ownerId: bigint }> {
  const owner = await createUser(store, { email: 'owner@bench.example', password: 'correct horse battery', displayName: 'Owner' }, SYSTEM);
  const collection = await createCollection(store, { ownerId: owner.id, name: 'Town events', timeZone: 'Europe/Berlin' }, SYSTEM);
  const now = new Date();
  for (let i = 0; i < SUBSCRIBERS; i += 1000) {
    const n = Math.min(1000, SUBSCRIBERS - i);
    const rows = Array.from({ length: n }, (_, k) => [`member${i + k}@bench.example`, 'x', `Member ${i + k}`, ['UTC', 'Europe/Berlin', 'America/New_York'][(i + k) % 3]!, now]);
    await store.pool.query('INSERT INTO users (email, passwordHash, displayName, timeZone, updatedAt) VALUES ?', [rows]);
  }
  await store.pool.query(
    "INSERT INTO collection_members (collectionId, userId, role) SELECT ?, id, 'viewer' FROM users WHERE email LIKE 'member%@bench.example'",
    [String(collection.id)],
  );
  return { collectionId: collection.id, ownerId: owner.id };
}

async function measure(store: Store, sinkUrl: string, sink: { count: () => number }): Promise<{ results: BenchResult[]; report: object }> {
  const { collectionId, ownerId } = await populate(store);
  log(`${SUBSCRIBERS} subscribers`);
  await putItem(store, {
    actorUserId: ownerId,
    collectionId,
    origin: 'caldav',
    icalendar: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bench//EN', 'BEGIN:VEVENT', 'UID:fair@bench', 'DTSTAMP:20261125T080000Z', 'DTSTART:20261205T100000Z', 'DTEND:20261205T180000Z', 'SUMMARY:Christmas fair', 'LOCATION:Market square', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
  });
  const settings = { mailDomain: 'bench.example', publicUrl: 'https://bench.example', unsubscribeSecret: 'bench-secret-bench-secret-bench-secret' };
  const later = () => new Date(Date.now() + 3600_000);

  // 1. Fan-out, and the bare INSERT of the same rows.
  let t = performance.now();
  const fan = await runAlertFanout({ store, templates: loadMailTemplates(), settings, coalesceMs: 0, recipientBudgetPerHour: 1_000_000, collectionBudgetPerHour: 1_000_000, now: later });
  const fanoutMs = performance.now() - t;
  log(`fan-out: ${fan.alerts} alerts in ${seconds(fanoutMs).toFixed(2)} s`);
  const [[{ bytes }]] = (await store.pool.query('SELECT SUM(LENGTH(payload)) AS bytes FROM outbox')) as unknown as [[{ bytes: string }]];
  await store.pool.query('CREATE TABLE outbox_copy LIKE outbox');
  const [rows] = (await store.pool.query('SELECT kind, recipient, userId, collectionId, messageId, verpToken, payload, nextAttemptAt, createdAt FROM outbox ORDER BY id')) as unknown as [Array<Record<string, unknown>>];
  t = performance.now();
  await withSqlTransaction(store.pool, async (_sql, conn) => {
    for (let i = 0; i < rows.length; i += 500) {
      await conn.query('INSERT INTO outbox_copy (kind, recipient, userId, collectionId, messageId, verpToken, payload, nextAttemptAt, createdAt) VALUES ?', [rows.slice(i, i + 500).map((r) => Object.values(r))]);
    }
  });
  const insertMs = performance.now() - t;
  log(`bare INSERT of the same rows: ${seconds(insertMs).toFixed(2)} s`);

  // 2. Delivery through the outbox, and a bare nodemailer loop over the same messages.
  const mailer = createMailer({ mailDomain: 'bench.example', outboundSmtpUrl: sinkUrl, mail: { from: 'Tidings <notifications@bench.example>', outboxDir: '', dkim: null }, maxConnections: POOL });
  const transport = nodemailer.createTransport({ url: sinkUrl, pool: true, maxConnections: POOL });
  const messages = rows.map((r) => ({ to: r.recipient as string, messageId: r.messageId as string, token: r.verpToken as string, p: JSON.parse(r.payload as string) as OutboxPayload }));
  const bareSend = (m: (typeof messages)[number]) =>
    transport.sendMail({
      from: 'Tidings <notifications@bench.example>',
      to: m.to,
      subject: m.p.subject,
      text: m.p.text,
      html: m.p.html,
      headers: m.p.headers,
      attachments: m.p.attachments,
      messageId: `<${m.messageId}>`,
      envelope: { from: `bounces+${m.token}@bench.example`, to: [m.to] },
    });
  // Warm-up, not measured: whichever path ran first would otherwise pay for the JIT and the sink's.
  const warm = messages.slice(0, Math.min(500, messages.length));
  for (let i = 0; i < warm.length; i += CONCURRENCY) {
    await Promise.all(warm.slice(i, i + CONCURRENCY).flatMap((m, k) => [bareSend(m), mailer.send({ id: BigInt(k), kind: 'alert', recipient: m.to, messageId: `warm${i + k}.${m.messageId}`, verpToken: m.token, payload: m.p })]));
  }
  const warmed = sink.count();
  t = performance.now();
  const delivered = await deliverOutbox({ pool: store.pool, mailer, workerId: 'bench', now: later, maxAttempts: 3, retryBaseSeconds: 60, concurrency: CONCURRENCY });
  const deliverMs = performance.now() - t;
  mailer.close();
  log(`outbox delivery: ${delivered.sent} sent in ${seconds(deliverMs).toFixed(2)} s (the sink counted ${sink.count() - warmed})`);

  let next = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < messages.length) await bareSend(messages[next++]!);
    }),
  );
  const bareMs = performance.now() - t;
  transport.close();
  log(`bare nodemailer loop: ${messages.length} sent in ${seconds(bareMs).toFixed(2)} s`);

  const results: BenchResult[] = [
    {
      name: `fan-out of 1 change to ${SUBSCRIBERS} subscribers into the outbox`,
      unit: 's',
      value: seconds(fanoutMs),
      baseline: { name: 'bare multi-row INSERT of the same rows', value: seconds(insertMs) },
      note: `${Math.round(fan.alerts / seconds(fanoutMs))} alerts/s; ${(Number(bytes) / 1024 / 1024).toFixed(1)} MiB of payload (${Math.round(Number(bytes) / fan.alerts)} B per alert)`,
    },
    {
      name: `delivery of ${delivered.sent} outbox rows to a local SMTP sink`,
      unit: 's',
      value: seconds(deliverMs),
      baseline: { name: 'bare nodemailer send loop, same sink, pool and concurrency', value: seconds(bareMs) },
      note: `${Math.round(delivered.sent / seconds(deliverMs))} msg/s via the outbox vs ${Math.round(messages.length / seconds(bareMs))} msg/s bare; pool ${POOL} connections, ${CONCURRENCY} sends in flight`,
    },
  ];
  return {
    results,
    report: { subscribers: SUBSCRIBERS, fanoutMs, insertMs, deliverMs, bareMs, alerts: fan.alerts, sent: delivered.sent, payloadBytes: Number(bytes), at: new Date().toISOString() },
  };
}

export async function run(): Promise<BenchResult[]> {
  let store: Store | null = null;
  const sink = await startSink();
  const db = throwawayDatabase('tidings_bench_alerts', async () => store?.close());
  const { name: dbName, url } = db;
  try {
    log(`database ${dbName}`);
    await migrate(url);
    store = openStore(url, { connectionLimit: 12 });
    const { results, report } = await measure(store, sink.url, sink);
    await mkdir(path.dirname(OUT_FILE), { recursive: true });
    await writeFile(OUT_FILE, JSON.stringify(report, null, 2) + '\n');
    log(`wrote ${path.relative(process.cwd(), OUT_FILE) || OUT_FILE}`);
    return results;
  } finally {
    await store?.close().catch(() => {});
    await sink.close();
    await db.drop().catch((err: unknown) => log(`could not drop ${dbName}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

runWhenMain(import.meta.url, 'Alerts benchmark (ratio = value / baseline measured in the same run; times, lower is better)', run);
