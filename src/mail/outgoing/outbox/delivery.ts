// One delivery pass over the outbox: dead-letter interrupted sends, then
// claim due rows a slice at a time and send them through the mailer, a few
// at once. Each outcome is recorded as it happens: sent, retried later
// (4xx and network trouble, exponential backoff), or dead (5xx, or out of
// attempts). The pass stops between slices when asked to.
import { claimOutbox, expireOutboxLeases, outboxFailed, outboxSent, purgeSentOutbox, type OutboxPool } from '../../../domain/outbox/sending.ts';
import { classifySendError } from './failures.ts';
import type { MailToSend, Mailer } from './mailer.ts';

export interface DeliveryOptions {
  pool: OutboxPool;
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

export async function deliverOutbox(o: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0, interrupted: 0 };
  const batchSize = o.batchSize ?? 100;
  const concurrency = Math.max(1, o.concurrency ?? 8);
  report.interrupted = await expireOutboxLeases(o.pool, o.now());
  while (!o.signal?.aborted) {
    const mails = await claimOutbox(o.pool, { now: o.now(), limit: batchSize, leaseMs: o.leaseMs ?? 15 * 60_000, workerId: o.workerId });
    if (mails.length === 0) break;
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
          const { outcome, why } = await outboxFailed(o.pool, mail, o.workerId, { permanent: failure.kind === 'permanent', message: failure.message }, {
            maxAttempts: o.maxAttempts,
            retryBaseSeconds: o.retryBaseSeconds,
            now: o.now(),
          });
          if (outcome === 'dead') report.dead++;
          else report.retried++;
          o.onFailure?.(mail, outcome, why);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, mails.length) }, worker));
    await outboxSent(o.pool, sent, o.workerId, o.now());
    report.sent += sent.length;
  }
  const retentionDays = o.retentionDays ?? 30;
  await purgeSentOutbox(o.pool, new Date(o.now().getTime() - retentionDays * 86_400_000));
  return report;
}
