// SMTP robot benchmark: messages per second accepted end to end, against a
// bare smtp-server that accepts and discards, measured in the same run.
//
// Each phase: 20 concurrent SMTP sessions (nodemailer's SMTPConnection), each
// reusing its connection (smtp-server waits ~100 ms before its greeting, so
// a connection per message would measure that), sending a ~4 KB invitation
// with an .ics part, unique Message-ID and UID per message, for
// BENCH_SMTP_SECONDS. Phases: bare server; the robot with the spam check off
// (routing, mailauth with fixed DNS records, parsing, items + inbound record
// committed to MySQL); the robot with a real spamd. Reported: messages/s,
// the ratio to the bare server, CPU ms per message (of this process, which
// runs client and server alike, so both phases pay the same client cost) and
// peak RSS. When the database server runs on this machine, its CPU per
// message too (from /proc): the robot's writes cost the server about as much
// CPU as the robot spends, so the two together say what a machine can take.
// Written to var/bench/smtp.json. No figure is asserted.
//   npm run bench:smtp   (or all benchmarks: npm run bench)
// Tunables (env): BENCH_SMTP_SECONDS (5), BENCH_SMTP_SESSIONS (20),
// BENCH_DATABASE_SERVER (else TEST_DATABASE_SERVER, else mysql://root@127.0.0.1:3306).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.ts';
import { createUser } from '../src/domain/accounts.ts';
import { createCollectionAddress } from '../src/domain/addresses.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { createCollection } from '../src/domain/collections.ts';
import { OutboxSender } from '../src/mail/outgoing/outbox/sender.ts';
import { startSmtpRobot } from '../src/smtp/server.ts';
import { openStore } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { startSpamd } from '../test/helpers/spamd.ts';
import { databaseServerPid, serverCpuMs, throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';

const SECONDS = Number(process.env.BENCH_SMTP_SECONDS ?? 5);
const SESSIONS = Number(process.env.BENCH_SMTP_SESSIONS ?? 20);
const OUT_FILE = fileURLToPath(new URL('../var/bench/smtp.json', import.meta.url));
export const SENDER = 'organizer@partner.test';
const log = (msg: string) => console.error(`  smtp: ${msg}`);

let sequence = 0;
/** A ~4 KB Outlook-style invitation (text + .ics), unique per call. */
export function invitation(to: string): string {
  const n = ++sequence;
  const uid = `bench-${process.pid}-${n}-${randomBytes(4).toString('hex')}@partner.test`;
  const filler = 'Agenda: quarterly numbers, hiring plan, the office move and any other business. '.repeat(18);
  const ics = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Partner//Bench//EN', 'METHOD:REQUEST',
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z', `DTSTART:2027${String((n % 12) + 1).padStart(2, '0')}15T090000Z`, 'DURATION:PT1H',
    `SUMMARY:Planning meeting ${n}`, 'LOCATION:Room 4.12', `ORGANIZER;CN=Organizer:mailto:${SENDER}`,
    'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:team@partner.test', 'SEQUENCE:0', 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
  return [
    `From: Organizer <${SENDER}>`, `To: ${to}`, `Subject: Invitation: Planning meeting ${n}`, 'Date: Wed, 25 Nov 2026 10:00:00 +0000',
    `Message-ID: <bench-${process.pid}-${n}-${randomBytes(4).toString('hex')}@partner.test>`, 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="bench-boundary"', '',
    '--bench-boundary', 'Content-Type: text/plain; charset=utf-8', '', filler, '',
    '--bench-boundary', 'Content-Type: text/calendar; charset=utf-8; method=REQUEST', '', ics,
    '--bench-boundary--', '',
  ].join('\r\n');
}

function connect(port: number): Promise<SMTPConnection> {
  const c = new SMTPConnection({ port, host: '127.0.0.1', name: 'bench.test', ignoreTLS: true, socketTimeout: 120_000 } as never);
  return new Promise((resolve, reject) => {
    c.once('error', reject);
    c.connect(() => resolve(c));
  });
}

function sendOne(c: SMTPConnection, to: string): Promise<boolean> {
  return new Promise((resolve) => c.send({ from: SENDER, to } as never, invitation(to), (err) => resolve(!err)));
}

interface Phase {
  name: string;
  messages: number;
  failures: number;
  seconds: number;
  perSecond: number;
  cpuMsPerMessage: number;
  /** CPU of a local mariadbd/mysqld per message, or null when none runs here. */
  dbCpuMsPerMessage: number | null;
  peakRssMb: number;
}

/** `to[i]` is session i's recipient (one address for all, or one each). */
async function measure(name: string, port: number, to: string[], dbPid: number | null): Promise<Phase> {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => connect(port)));
  const rcpt = (i: number) => to[i % to.length]!;
  // Warm-up: one message per session (JIT, pools, prepared statements).
  await Promise.all(sessions.map((s, i) => sendOne(s, rcpt(i))));
  let messages = 0;
  let failures = 0;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const dbCpu = await serverCpuMs(dbPid);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    sessions.map(async (s, i) => {
      while (performance.now() < deadline) {
        if (await sendOne(s, rcpt(i))) messages++;
        else failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const dbCpuAfter = await serverCpuMs(dbPid);
  clearInterval(sampler);
  await Promise.all(sessions.map((s) => new Promise<void>((resolve) => { s.once('end', () => resolve()); s.quit(); setTimeout(resolve, 1000).unref(); })));
  const phase: Phase = {
    name,
    messages,
    failures,
    seconds,
    perSecond: messages / seconds,
    cpuMsPerMessage: (used.user + used.system) / 1000 / Math.max(messages, 1),
    dbCpuMsPerMessage: dbCpu !== null && dbCpuAfter !== null ? (dbCpuAfter - dbCpu) / Math.max(messages, 1) : null,
    peakRssMb: peak / 1024 / 1024,
  };
  log(`${name}: ${messages} messages (${failures} failed) in ${seconds.toFixed(1)} s = ${phase.perSecond.toFixed(0)}/s, ${phase.cpuMsPerMessage.toFixed(2)} CPU ms/message${dbText(phase)}, peak RSS ${phase.peakRssMb.toFixed(0)} MB`);
  return phase;
}

const dbText = (p: Phase) => (p.dbCpuMsPerMessage === null ? '' : ` + ${p.dbCpuMsPerMessage.toFixed(2)} database server CPU ms/message`);

async function bareServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: 26_214_400,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'partner.test') return [['v=spf1 ip4:127.0.0.1 -all']];
  const err = new Error(`ENOTFOUND ${name}`) as Error & { code: string };
  err.code = 'ENOTFOUND';
  throw err;
};

export async function run(): Promise<BenchResult[]> {
  const cleanups: Array<() => Promise<void>> = [];
  const db = throwawayDatabase('tidings_bench_smtp', async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  const url = db.url;
  const outbox = await mkdtemp(path.join(os.tmpdir(), 'tidings-bench-outbox-'));
  try {
    await migrate(url);
    const store = openStore(url, { connectionLimit: 20 });
    const dbPid = await databaseServerPid(store.pool);
    cleanups.push(() => store.close());
    // One user and collection per session: mail to different people's
    // calendars, as an MX sees it. A second run sends everything to one
    // collection, whose writes serialise on its change position by design.
    const addresses: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const owner = await createUser(store, { email: `bench-${process.pid}-${i}@example.com`, password: 'correct horse battery', quotaBytes: 1n << 40n }, SYSTEM);
      const collection = await createCollection(store, { ownerId: owner.id, name: `Bench ${i}`, timeZone: 'Europe/Berlin' }, SYSTEM);
      addresses.push((await createCollectionAddress(store, { actorUserId: owner.id, collectionId: collection.id, domain: 'tidings.test', policy: 'anyone' }, SYSTEM)).address);
    }
    const robotWith = async (env: Record<string, string>) => {
      const config = loadConfig({ MAIL_DOMAIN: 'tidings.test', SMTP_PORT: '0', SMTP_CONNECTIONS_PER_MINUTE: '0', SMTP_MESSAGES_PER_HOUR: '0', SMTP_MAX_CONNECTIONS: '1000', OUTBOX_DIR: outbox, ...env });
      return startSmtpRobot({ store, log: pino({ level: 'silent' }), config, outbox: new OutboxSender(store, config.mailDomain), resolver });
    };

    const bare = await bareServer();
    const baseline = await measure('bare smtp-server, accept and discard', bare.port, addresses, dbPid);
    await bare.close();

    const robot = await robotWith({});
    const spamOff = await measure('robot, spam check off', robot.port, addresses, dbPid);
    const oneCollection = await measure('robot, spam check off, all to one collection', robot.port, addresses.slice(0, 1), dbPid);
    await robot.close();

    const spamd = await startSpamd();
    cleanups.push(() => spamd.stop());
    const withSpamd = await robotWith({ SPAMD_URL: spamd.url });
    const spamOn = await measure('robot, spamd on', withSpamd.port, addresses, dbPid);
    await withSpamd.close();

    const stored = await store.db.item.count();
    log(`${stored} items stored`);
    const phases = [baseline, spamOff, oneCollection, spamOn];
    const results: BenchResult[] = [
      { name: baseline.name, unit: 'msg/s', value: baseline.perSecond, note: `${baseline.cpuMsPerMessage.toFixed(2)} CPU ms/message, peak RSS ${baseline.peakRssMb.toFixed(0)} MB` },
      ...[spamOff, oneCollection, spamOn].map((p) => ({
        name: p.name,
        unit: 'msg/s',
        value: p.perSecond,
        baseline: { name: baseline.name, value: baseline.perSecond },
        note: `${p.cpuMsPerMessage.toFixed(2)} CPU ms/message${dbText(p)} (bare: ${baseline.cpuMsPerMessage.toFixed(2)}), peak RSS ${p.peakRssMb.toFixed(0)} MB, ${p.failures} failed; aim: ratio >= 0.333`,
      })),
    ];
    await mkdir(path.dirname(OUT_FILE), { recursive: true });
    await writeFile(OUT_FILE, JSON.stringify({ at: new Date().toISOString(), node: process.version, sessions: SESSIONS, seconds: SECONDS, cpus: os.cpus().length, phases, itemsStored: stored }, null, 2) + '\n');
    log(`wrote ${path.relative(process.cwd(), OUT_FILE)}`);
    return results;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await rm(outbox, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, 'SMTP benchmark (ratio = value / baseline measured in the same run)', run);
