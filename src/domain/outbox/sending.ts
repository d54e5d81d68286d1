// The outbox's queue as the delivery pass works it off (store/leased-queue.ts):
// claim due rows with what the mailer needs, then record each outcome.
import { OUTBOX_QUEUE, claimDue, expireLeases, markDone, purgeFinished, settleFailure } from '../../store/leased-queue.ts';
import type { Pool } from '../../store/mysql.ts';
import { mysqlRunner, placeholders } from '../../store/sql.ts';
import type { OutboxPayload } from './enqueue.ts';

/** The connection pool the outbox lives in (the store's mysql2 pool). */
export type OutboxPool = Pool;

/** One claimed outbox row. */
export interface QueuedMail {
  id: bigint;
  kind: string;
  recipient: string;
  messageId: string;
  verpToken: string;
  payload: OutboxPayload;
}

/** Dead-letters rows interrupted mid-send (never sent twice); how many. */
export function expireOutboxLeases(pool: Pool, now: Date): Promise<number> {
  return expireLeases(pool, OUTBOX_QUEUE, now);
}

export async function claimOutbox(pool: Pool, o: { now: Date; limit: number; leaseMs: number; workerId: string }): Promise<QueuedMail[]> {
  const ids = await claimDue(pool, OUTBOX_QUEUE, o);
  if (ids.length === 0) return [];
  const rows = await mysqlRunner(pool).rows<{ id: string; kind: string; recipient: string; messageId: string; verpToken: string; payload: string }>(
    `SELECT id, kind, recipient, messageId, verpToken, payload FROM outbox WHERE id IN (${placeholders(ids.length)}) ORDER BY id`,
    ids,
  );
  return rows.map((r) => ({ id: BigInt(r.id), kind: r.kind, recipient: r.recipient, messageId: r.messageId, verpToken: r.verpToken, payload: JSON.parse(r.payload) as OutboxPayload }));
}

export function outboxSent(pool: Pool, ids: bigint[], workerId: string, now: Date): Promise<void> {
  return markDone(pool, OUTBOX_QUEUE, ids, workerId, now);
}

/** Records a failed send (the rule: store/leased-queue.ts settleFailure); the outcome, and why in one line. */
export async function outboxFailed(
  pool: Pool,
  mail: QueuedMail,
  workerId: string,
  failure: { permanent: boolean; message: string },
  o: { maxAttempts: number; retryBaseSeconds: number; now: Date },
): Promise<{ outcome: 'dead' | 'retry'; why: string }> {
  const [row] = await mysqlRunner(pool).rows<{ attempts: number }>('SELECT attempts FROM outbox WHERE id = ?', [mail.id]);
  return settleFailure(pool, OUTBOX_QUEUE, { id: mail.id, attempts: Number(row?.attempts ?? 0) }, workerId, { ...o, permanent: failure.permanent, error: failure.message });
}

/** Forgets sent rows older than `before` (bounces find a message by its VERP token until then). */
export function purgeSentOutbox(pool: Pool, before: Date): Promise<number> {
  return purgeFinished(pool, OUTBOX_QUEUE, before);
}
