// Builders for alert and outbox tests: a job context on a test database with
// a clock the test moves, a real mailer (.eml files in a temp folder, or a
// relay such as the SMTP sink), and small readers of what came out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { buildJobContext, type JobContext } from '../../src/jobs/context.ts';
import { run as runAlertFanout } from '../../src/jobs/alert-fanout.ts';
import { run as runOutboxDelivery } from '../../src/jobs/outbox-delivery.ts';
import { readEmlFiles as readEml, type EmlFile as Eml } from './outbox-files.ts';
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
export async function alertWorld(db: TestDatabase, env: Record<string, string> = {}, clock: TestClock = testClock()): Promise<AlertWorld> {
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
  // The service's own context (buildJobContext), with the test's clock.
  const ctx: JobContext = { ...(await buildJobContext({ config, store: db.store, log: pino({ level: 'silent' }) })), now: clock.now };
  after(() => ctx.mailer.close());
  return { ctx, clock, outboxDir, store: db.store };
}

export { readEmlFiles, type EmlFile } from './outbox-files.ts';

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

/**
 * One alert round: moves the test clock `stepMs` past both the real time and
 * the clock's own (so the coalescing window has passed), runs the fan-out,
 * delivers the outbox, and returns the .eml files not named in `except`.
 */
export async function alertRound(world: AlertWorld, opts: { stepMs?: number; except?: ReadonlySet<string> } = {}): Promise<Eml[]> {
  const signal = new AbortController().signal;
  const ahead = Math.max(0, world.clock.now().getTime() - Date.now());
  world.clock.set(new Date(Date.now() + ahead + (opts.stepMs ?? 10 * 60_000)));
  await runAlertFanout(world.ctx, signal);
  await runOutboxDelivery(world.ctx, signal);
  return readEml(world.outboxDir, opts.except);
}
