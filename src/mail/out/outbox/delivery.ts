// One delivery pass over the outbox: dead-letter interrupted sends, then
// claim due rows a slice at a time and send them through the mailer, a few
// at once. Each outcome is recorded as it happens: sent, retried later
// (4xx and network trouble, exponential backoff), or dead (5xx, or out of
// attempts). The pass stops between slices when asked to.
import type { Pool } from '../../../store/mysql.ts';
import { OUTBOX_QUEUE, claimDue, expireLeases, markDead, markDone, markRetry, purgeFinished, retryDelayMs } from '../../../store/leased-queue.ts';
import { mysqlRunner, placeholders } from '../../../store/sql.ts';
import type { OutboxPayload } from '../../../domain/outbox/enqueue.ts';
import { classifySendError } from './failures.ts';
import type { MailToSend, Mailer } from './mailer.ts';

export interface DeliveryOptions {
  pool: Pool;
  mailer: Mailer;
  workerId: string;
  now: () => Date;
  maxAttempts: number;
  retryBaseSeconds: number;
  /** Rows per claim, and sends in flight at once. */
  batchSize?: number;
  concurrency?: number;
  /** Long enough to cover a whole slice of sends; see leased-queue.ts. */
  leaseMs?: number;
  signal?: AbortSignal;
  /** Sent rows are kept this long (bounces refer to them by VERP token). */
  retentionDays?: number;
  onFailure?: (mail: MailToSend, outcome: 'retry' | 'dead', error: string) => void;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
  interrupted: number;
}

async function load(pool: Pool, ids: bigint[]): Promise<MailToSend[]> {
  const rows = await mysqlRunner(pool).rows<{ id: string; kind: string; recipient: string; messageId: string; verpToken: string; payload: string; attempts: number }>(
    `SELECT id, kind, recipient, messageId, verpToken, payload FROM outbox WHERE id IN (${placeholders(ids.length)}) ORDER BY id`,
    ids,
  );
  return rows.map((r) => ({ id: BigInt(r.id), kind: r.kind, recipient: r.recipient, messageId: r.messageId, verpToken: r.verpToken, payload: JSON.parse(r.payload) as OutboxPayload }));
}

async function attemptsOf(pool: Pool, id: bigint): Promise<number> {
  const rows = await mysqlRunner(pool).rows<{ attempts: number }>('SELECT attempts FROM outbox WHERE id = ?', [id]);
  return Number(rows[0]?.attempts ?? 0);
}

export async function deliverOutbox(o: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0, interrupted: 0 };
  const batchSize = o.batchSize ?? 100;
  const concurrency = Math.max(1, o.concurrency ?? 8);
  report.interrupted = await expireLeases(o.pool, OUTBOX_QUEUE, o.now());
  while (!o.signal?.aborted) {
    const ids = await claimDue(o.pool, OUTBOX_QUEUE, { now: o.now(), limit: batchSize, leaseMs: o.leaseMs ?? 15 * 60_000, workerId: o.workerId });
    if (ids.length === 0) break;
    const mails = await load(o.pool, ids);
    const sent: bigint[] = [];
    let next = 0;
    const worker = async () => {
      while (next < mails.length) {
        const mail = mails[next++]!;
        try {
          await o.mailer.send(mail);
          sent.push(mail.id);
        } catch (err) {
          const failure = classifySendError(err);
          const attempts = await attemptsOf(o.pool, mail.id);
          if (failure.kind === 'permanent' || attempts >= o.maxAttempts) {
            const why = failure.kind === 'permanent' ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
            await markDead(o.pool, OUTBOX_QUEUE, mail.id, o.workerId, why);
            report.dead++;
            o.onFailure?.(mail, 'dead', why);
          } else {
            const at = new Date(o.now().getTime() + retryDelayMs(attempts, o.retryBaseSeconds));
            await markRetry(o.pool, OUTBOX_QUEUE, mail.id, o.workerId, at, failure.message);
            report.retried++;
            o.onFailure?.(mail, 'retry', failure.message);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, mails.length) }, worker));
    await markDone(o.pool, OUTBOX_QUEUE, sent, o.workerId, o.now());
    report.sent += sent.length;
  }
  const retentionDays = o.retentionDays ?? 30;
  await purgeFinished(o.pool, OUTBOX_QUEUE, new Date(o.now().getTime() - retentionDays * 86_400_000));
  return report;
}
