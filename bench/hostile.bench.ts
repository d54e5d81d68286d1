// Hostile-input benchmark (issue "no message and no request can stall the
// service"): the event-loop delay p99 of one process serving a steady CalDAV
// poll load while hostile messages arrive over SMTP at 10 per second, as a
// ratio against the same load without them, measured in alternating slices
// of the same run. HTTP and SMTP share the process's one event loop, as in
// `tidings serve`, so whatever a hostile message costs the loop, every poll
// waits for. A ratio near 1 means the limits refuse hostile input cheaply.
//
// Hostile messages, in turn: an event whose RRULE never matches
// (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30), 10,000 components in one calendar,
// 100 nested multiparts, 2,000 tiny parts, a SUMMARY with NUL and a bare CR.
// Each goes on its own SMTP connection to an address that takes mail from
// anyone; the reply codes are counted, not checked (the tests check them).
//
//   npm run bench:hostile        (or all benchmarks: npm run bench)
// Tunables (env): BENCH_HOSTILE_SECONDS (4 per slice), BENCH_HOSTILE_ROUNDS (2),
// BENCH_HOSTILE_RATE (10 messages/s), BENCH_HOSTILE_POLLERS (4),
// BENCH_DATABASE_SERVER (else TEST_DATABASE_SERVER, else mysql://root@127.0.0.1:3306).
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { createUser } from '../src/domain/accounts.ts';
import { createCollectionAddress } from '../src/domain/addresses.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { createCollection } from '../src/domain/collections.ts';
import { putItem } from '../src/domain/items.ts';
import { createApp } from '../src/web-server.ts';
import { listen } from '../src/http/server.ts';
import { OutboxSender } from '../src/mail/outgoing/outbox/sender.ts';
import { startSmtpRobot } from '../src/smtp/server.ts';
import { openStore } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';
import { SENDER, resolver } from './smtp.bench.ts';
import { benchEvent } from './store.bench.ts';

const SECONDS = Number(process.env.BENCH_HOSTILE_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 2);
const RATE = Number(process.env.BENCH_HOSTILE_RATE ?? 10);
const POLLERS = Number(process.env.BENCH_HOSTILE_POLLERS ?? 4);
const ITEMS = 200;
const PASSWORD = 'bench password 123';
const OUT_FILE = fileURLToPath(new URL('../var/bench/hostile.json', import.meta.url));
const log = (msg: string) => console.error(`  hostile: ${msg}`);

let sequence = 0;
const crlf = (lines: string[]) => lines.join('\r\n');
const calendar = (body: string[]) => crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Hostile//Bench//EN', 'METHOD:PUBLISH', ...body, 'END:VCALENDAR', '']);
const vevent = (uid: string, extra: string[] = []) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z', 'DTSTART:20270101T090000Z', 'DURATION:PT1H', ...extra, 'END:VEVENT'];

/** The hostile shapes, each a whole message for `to`. */
const HOSTILE: Record<string, (to: string, n: number) => string> = {
  'never-matching-rrule': (to, n) =>
    withCalendar(to, n, calendar(vevent(`never-${n}`, ['SUMMARY:February 30th', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3']))),
  '10k-components': (to, n) => withCalendar(to, n, calendar(Array.from({ length: 10_000 }, (_, i) => vevent(`many-${n}-${i}`)).flat())),
  'nested-multipart-100': (to, n) => {
    const depth = 100;
    const open = Array.from({ length: depth }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}`).join('\r\n');
    const close = Array.from({ length: depth }, (_, i) => `--b${depth - 1 - i}--`).join('\r\n');
    return headers(to, n, 'Nested') + open + '\r\nContent-Type: text/plain\r\n\r\nhello\r\n' + close + '\r\n';
  },
  'tiny-parts-2000': (to, n) =>
    headers(to, n, 'Parts') +
    'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' +
    Array.from({ length: 2000 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\n${i}`).join('\r\n') +
    '\r\n--p--\r\n',
  'nul-and-bare-cr': (to, n) => withCalendar(to, n, calendar(vevent(`nul-${n}`, ['SUMMARY:a\u0000b\rBEGIN:VEVENT']))),
};

function headers(to: string, n: number, subject: string): string {
  return crlf([`From: Hostile <${SENDER}>`, `To: ${to}`, `Subject: ${subject} ${n}`, 'Date: Wed, 25 Nov 2026 10:00:00 +0000', `Message-ID: <hostile-${process.pid}-${n}@partner.test>`, 'MIME-Version: 1.0', '']);
}

function withCalendar(to: string, n: number, ics: string): string {
  return headers(to, n, 'Calendar') + 'Content-Type: text/calendar; charset=utf-8; method=PUBLISH\r\n\r\n' + ics;
}

/** Sends one message on its own connection; resolves with the reply code (0 when the connection failed). */
function sendHostile(port: number, to: string, message: string): Promise<number> {
  return new Promise((resolve) => {
    const c = new SMTPConnection({ port, host: '127.0.0.1', name: 'bench.test', ignoreTLS: true, socketTimeout: 120_000 } as never);
    const done = (code: number) => {
      c.quit();
      resolve(code);
    };
    c.once('error', (err: Error & { responseCode?: number }) => resolve(err.responseCode ?? 0));
    c.connect(() =>
      c.send({ from: SENDER, to } as never, message, (err, info) => done(err ? ((err as { responseCode?: number }).responseCode ?? 0) : Number(/^\d{3}/.exec(String(info?.response))?.[0] ?? 250))),
    );
  });
}

interface Load {
  polls: number;
  latencies: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: POLLERS });

function poll(port: number, r: { method: string; path: string; headers: Record<string, string>; body: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 207 ? resolve() : reject(new Error(`${r.method} ${r.path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? NaN;
}

export async function run(): Promise<BenchResult[]> {
  let store: ReturnType<typeof openStore> | null = null;
  const closers: Array<() => Promise<unknown>> = [];
  const db = throwawayDatabase('tidings_bench_hostile', async () => store?.close());
  const outbox = await mkdtemp(path.join(os.tmpdir(), 'tidings-bench-hostile-'));
  try {
    await migrate(db.url);
    store = openStore(db.url, { connectionLimit: 20 });
    const user = await createUser(store, { email: 'bench@example.org', password: PASSWORD, quotaBytes: 1n << 40n }, SYSTEM);
    const polled = await createCollection(store, { ownerId: user.id, name: 'Bench', slug: 'bench', timeZone: 'Europe/Berlin' }, SYSTEM);
    const target = await createCollection(store, { ownerId: user.id, name: 'Inbox', slug: 'inbox', timeZone: 'Europe/Berlin' }, SYSTEM);
    for (let n = 0; n < ITEMS; n++) {
      await putItem(store, { actorUserId: user.id, collectionId: polled.id, icalendar: benchEvent(`ev-${n}@bench.tidings`, n), origin: 'caldav', resourceName: `ev-${n}.ics` });
    }
    const to = (await createCollectionAddress(store, { actorUserId: user.id, collectionId: target.id, domain: 'tidings.test', policy: 'anyone' }, SYSTEM)).address;
    const config = loadConfig({
      DATABASE_URL: db.url,
      MAIL_DOMAIN: 'tidings.test',
      SMTP_PORT: '0',
      SMTP_CONNECTIONS_PER_MINUTE: '0',
      SMTP_MESSAGES_PER_HOUR: '0',
      DAV_RATE_LIMIT: '1000000000',
      OUTBOX_DIR: outbox,
      LOG_LEVEL: 'silent',
    });
    const silent = pino({ level: 'silent' });
    const httpServer = await listen(createApp({ store, log: silent, config }), 0, '127.0.0.1');
    closers.push(() => httpServer.close());
    const robot = await startSmtpRobot({ store, log: silent, config, outbox: new OutboxSender(store, config.mailDomain), resolver });
    closers.push(() => robot.close());

    const auth = { Authorization: `Basic ${Buffer.from(`bench@example.org:${PASSWORD}`).toString('base64')}`, 'Content-Type': 'application/xml; charset=utf-8' };
    const home = '/dav/calendars/bench@example.org/bench/';
    const polls = [
      { method: 'PROPFIND', path: home, headers: { ...auth, Depth: '0' }, body: '<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>' },
      { method: 'PROPFIND', path: home, headers: { ...auth, Depth: '1' }, body: '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' },
    ];

    const kinds = Object.keys(HOSTILE);
    const codes: Record<string, Record<string, number>> = Object.fromEntries(kinds.map((k) => [k, {}]));
    let sent = 0;
    /** One slice: the poll load for SECONDS, with or without hostile mail, the loop's delay into `h`. */
    const slice = async (hostile: boolean, h: IntervalHistogram | null, into: Load | null) => {
      const until = performance.now() + SECONDS * 1000;
      const inFlight: Array<Promise<void>> = [];
      const sender = hostile
        ? setInterval(() => {
            const kind = kinds[sent++ % kinds.length]!;
            inFlight.push(
              sendHostile(robot.port, to, HOSTILE[kind]!(to, ++sequence)).then((code) => {
                codes[kind]![code] = (codes[kind]![code] ?? 0) + 1;
              }),
            );
          }, 1000 / RATE)
        : null;
      h?.enable();
      await Promise.all(
        Array.from({ length: POLLERS }, async (_, i) => {
          for (let n = i; performance.now() < until; n++) {
            const t0 = performance.now();
            await poll(httpServer.port, polls[n % polls.length]!);
            into?.latencies.push(performance.now() - t0);
            if (into) into.polls++;
          }
        }),
      );
      h?.disable();
      if (sender) clearInterval(sender);
      await Promise.all(inFlight);
    };

    log('warming up');
    await slice(false, null, null);
    await slice(true, null, null);
    const quietDelay = monitorEventLoopDelay({ resolution: 10 });
    const hostileDelay = monitorEventLoopDelay({ resolution: 10 });
    const quiet: Load = { polls: 0, latencies: [] };
    const attacked: Load = { polls: 0, latencies: [] };
    for (let r = 0; r < ROUNDS; r++) {
      await slice(false, quietDelay, quiet);
      await slice(true, hostileDelay, attacked);
      log(`round ${r + 1}/${ROUNDS}: ${quiet.polls} quiet polls, ${attacked.polls} polls under hostile mail`);
    }
    const ms = (h: IntervalHistogram, p: number) => h.percentile(p) / 1e6;
    const figures = {
      quiet: { loopP99: ms(quietDelay, 99), loopMax: quietDelay.max / 1e6, pollP99: p99(quiet.latencies), polls: quiet.polls },
      hostile: { loopP99: ms(hostileDelay, 99), loopMax: hostileDelay.max / 1e6, pollP99: p99(attacked.latencies), polls: attacked.polls },
      replies: codes,
    };
    log(`event-loop delay p99 ${figures.hostile.loopP99.toFixed(1)} ms under hostile mail, ${figures.quiet.loopP99.toFixed(1)} ms without (max ${figures.hostile.loopMax.toFixed(0)} / ${figures.quiet.loopMax.toFixed(0)} ms)`);
    log(`replies to hostile mail: ${JSON.stringify(codes)}`);
    await mkdir(path.dirname(OUT_FILE), { recursive: true });
    await writeFile(OUT_FILE, JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, rate: RATE, pollers: POLLERS, ...figures }, null, 2) + '\n');
    const replies = kinds.map((k) => `${k}: ${Object.entries(codes[k]!).map(([c, n]) => `${n}x ${c}`).join(', ')}`).join('; ');
    return [
      {
        name: `event-loop delay p99, CalDAV polls (c=${POLLERS}) + hostile mail at ${RATE}/s`,
        unit: 'ms',
        value: figures.hostile.loopP99,
        baseline: { name: 'same polls, no hostile mail', value: figures.quiet.loopP99 },
        note: `max ${figures.hostile.loopMax.toFixed(0)} ms (without: ${figures.quiet.loopMax.toFixed(0)} ms); replies: ${replies}`,
      },
      {
        name: `CalDAV poll latency p99 under hostile mail at ${RATE}/s`,
        unit: 'ms',
        value: figures.hostile.pollP99,
        baseline: { name: 'same polls, no hostile mail', value: figures.quiet.pollP99 },
        note: `${attacked.polls} polls with, ${quiet.polls} without`,
      },
    ];
  } finally {
    agent.destroy();
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store?.close();
    await db.drop();
    await rm(outbox, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, 'Hostile-input benchmark (ratio = value / the same load without hostile mail; lower is better, 1 is ideal)', run);
