// Builders for alert and outbox tests: a job context on a test database with
// a clock the test moves, a real mailer (.eml files in a temp folder, or a
// relay such as the SMTP sink), and small readers of what came out.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { loadMailTemplates } from '../../src/mail/outgoing/templates.ts';
import { loadConfig } from '../../src/config.ts';
import { PUBLIC_ADDRESSES_ONLY } from '../../src/domain/webhooks/address-policy.ts';
import { systemResolve } from '../../src/domain/webhooks/webhooks.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { createMailer } from '../../src/mail/outgoing/outbox/mailer.ts';
import type { Store } from '../../src/store/index.ts';
import { mysqlRunner } from '../../src/store/sql.ts';
import { enqueueMessages } from '../../src/domain/outbox/enqueue.ts';
import type { TestDatabase } from './database.ts';

export const TEST_SECRET = 'test-unsubscribe-secret-0123456789abcdef';

export interface TestClock {
  now: () => Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

export function testClock(start: string | Date = new Date()): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = new Date(iso).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface AlertWorld {
  ctx: JobContext;
  clock: TestClock;
  outboxDir: string;
  store: Store;
}

/** A job context on `db` (call at a test file's top level: it registers cleanup with after()); env overrides the configuration (OUTBOUND_SMTP_URL, budgets ...). */
export function alertWorld(db: TestDatabase, env: Record<string, string> = {}, clock: TestClock = testClock()): AlertWorld {
  const outboxDir = mkdtempSync(path.join(tmpdir(), 'tidings-outbox-'));
  after(() => rmSync(outboxDir, { recursive: true, force: true }));
  const config = loadConfig({
    DATABASE_URL: db.url,
    MAIL_DOMAIN: 'tidings.example',
    PUBLIC_URL: 'https://tidings.example',
    OUTBOX_DIR: outboxDir,
    UNSUBSCRIBE_SECRET: TEST_SECRET,
    ALERT_COALESCE_SECONDS: '120',
    ...env,
  });
  const ctx: JobContext = {
    store: db.store,
    config,
    log: pino({ level: 'silent' }),
    now: clock.now,
    mailer: createMailer({ mailDomain: config.mailDomain, outboundSmtpUrl: config.outboundSmtpUrl, mail: config.mail }),
    templates: loadMailTemplates(),
    alertSettings: { mailDomain: config.mailDomain, publicUrl: config.publicUrl, unsubscribeSecret: TEST_SECRET },
    webhookGuard: { policy: PUBLIC_ADDRESSES_ONLY, resolve: systemResolve },
    workerId: `test:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
  };
  after(() => ctx.mailer.close());
  return { ctx, clock, outboxDir, store: db.store };
}

export interface EmlFile {
  file: string;
  raw: string;
  mail: ParsedMail;
}

export async function readEmlFiles(dir: string): Promise<EmlFile[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (f) => {
      const raw = readFileSync(path.join(dir, f), 'utf8');
      return { file: f, raw, mail: await simpleParser(raw) };
    }),
  );
}

/** A header field's raw value, unfolded (mailparser turns some fields into objects). */
export function header(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? '';
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** The outbox rows, oldest first. */
export async function outboxRows(store: Store): Promise<Array<{ id: bigint; kind: string; recipient: string; state: string; attempts: number; lastError: string }>> {
  return store.db.outboxMessage.findMany({ orderBy: { id: 'asc' }, select: { id: true, kind: true, recipient: true, state: true, attempts: true, lastError: true } });
}

/** Queues simple messages straight into the outbox, as a cause's transaction would. */
export async function queueMessages(store: Store, mailDomain: string, recipients: string[], now = new Date()) {
  return enqueueMessages(mysqlRunner(store.pool), mailDomain, recipients.map((to, i) => ({ kind: 'notice', to, subject: `Test ${i} for ${to}`, text: `Hello ${to}` })), now);
}
