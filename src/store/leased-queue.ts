// Job rows that several instances work off together (the outbox, webhook
// deliveries). A row is claimed with SELECT … FOR UPDATE SKIP LOCKED and
// moved to `sending` with a lease in the same transaction, so two instances
// never take the same row (DESIGN.md "Scaling out"). Sending is at most once:
// a row whose lease ran out (its sender died mid-send) may or may not have
// gone out, so it is dead-lettered for an operator rather than sent again.
import type { Pool } from './mysql.ts';
import { mysqlRunner, placeholders, withSqlTransaction } from './sql.ts';

export interface LeasedQueue {
  table: 'outbox' | 'webhook_deliveries';
  /** The column stamped when a row succeeds. */
  doneColumn: 'sentAt' | 'deliveredAt';
}

export const OUTBOX_QUEUE: LeasedQueue = { table: 'outbox', doneColumn: 'sentAt' };
export const WEBHOOK_QUEUE: LeasedQueue = { table: 'webhook_deliveries', doneColumn: 'deliveredAt' };

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  workerId: string;
}

/** Claims up to `limit` due rows for `workerId`; returns their ids (oldest due first). */
export async function claimDue(pool: Pool, q: LeasedQueue, o: ClaimOptions): Promise<bigint[]> {
  return withSqlTransaction(pool, async (sql) => {
    const rows = await sql.rows<{ id: string }>(
      `SELECT id FROM ${q.table} WHERE state = 'queued' AND nextAttemptAt <= ? ORDER BY nextAttemptAt, id LIMIT ${Math.max(1, Math.floor(o.limit))} FOR UPDATE SKIP LOCKED`,
      [o.now],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => BigInt(r.id));
    await sql.run(
      `UPDATE ${q.table} SET state = 'sending', attempts = attempts + 1, leaseUntil = ?, claimedBy = ? WHERE id IN (${placeholders(ids.length)})`,
      [new Date(o.now.getTime() + o.leaseMs), o.workerId, ...ids],
    );
    return ids;
  });
}

export async function markDone(pool: Pool, q: LeasedQueue, ids: bigint[], workerId: string, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await mysqlRunner(pool).run(
    `UPDATE ${q.table} SET state = 'sent', ${q.doneColumn} = ?, leaseUntil = NULL, lastError = '' WHERE claimedBy = ? AND state = 'sending' AND id IN (${placeholders(ids.length)})`,
    [now, workerId, ...ids],
  );
}

export async function markRetry(pool: Pool, q: LeasedQueue, id: bigint, workerId: string, nextAttemptAt: Date, error: string): Promise<void> {
  await mysqlRunner(pool).run(
    `UPDATE ${q.table} SET state = 'queued', nextAttemptAt = ?, leaseUntil = NULL, claimedBy = NULL, lastError = ? WHERE id = ? AND claimedBy = ? AND state = 'sending'`,
    [nextAttemptAt, error.slice(0, 1000), id, workerId],
  );
}

export async function markDead(pool: Pool, q: LeasedQueue, id: bigint, workerId: string, error: string): Promise<void> {
  await mysqlRunner(pool).run(
    `UPDATE ${q.table} SET state = 'dead', leaseUntil = NULL, lastError = ? WHERE id = ? AND claimedBy = ? AND state = 'sending'`,
    [error.slice(0, 1000), id, workerId],
  );
}

/**
 * A failed attempt at a claimed row: dead when the failure is permanent or
 * the row is out of attempts (an operator decides then), else queued again
 * after the backoff. Returns the outcome and the reason recorded.
 */
export async function settleFailure(
  pool: Pool,
  q: LeasedQueue,
  row: { id: bigint; attempts: number },
  workerId: string,
  f: { permanent: boolean; error: string; maxAttempts: number; retryBaseSeconds: number; now: Date },
): Promise<{ outcome: 'dead' | 'retry'; why: string }> {
  if (f.permanent || row.attempts >= f.maxAttempts) {
    const why = f.permanent ? f.error : `gave up after ${row.attempts} attempts: ${f.error}`;
    await markDead(pool, q, row.id, workerId, why);
    return { outcome: 'dead', why };
  }
  await markRetry(pool, q, row.id, workerId, new Date(f.now.getTime() + retryDelayMs(row.attempts, f.retryBaseSeconds)), f.error);
  return { outcome: 'retry', why: f.error };
}

/** Dead-letters rows whose sender vanished mid-send (see the file comment); returns how many. */
export async function expireLeases(pool: Pool, q: LeasedQueue, now: Date): Promise<number> {
  return mysqlRunner(pool).run(
    `UPDATE ${q.table} SET state = 'dead', leaseUntil = NULL,
            lastError = LEFT(CONCAT('interrupted while sending (lease of ', COALESCE(claimedBy, '?'), ' expired); not retried, to never send twice. Last error: ', lastError), 1000)
      WHERE state = 'sending' AND leaseUntil < ?`,
    [now],
  );
}

/** Puts a dead row back in the queue (an operator's decision). */
export async function requeue(pool: Pool, q: LeasedQueue, id: bigint, now: Date): Promise<boolean> {
  const n = await mysqlRunner(pool).run(
    `UPDATE ${q.table} SET state = 'queued', attempts = 0, nextAttemptAt = ?, claimedBy = NULL, leaseUntil = NULL WHERE id = ? AND state = 'dead'`,
    [now, id],
  );
  return n === 1;
}

/** Exponential backoff: base, 2×base, 4×base … capped at 12 hours, with ±10% jitter so retries spread out. */
export function retryDelayMs(attempts: number, baseSeconds: number, random: () => number = Math.random): number {
  const raw = baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1);
  const capped = Math.min(raw, 12 * 3600 * 1000);
  return Math.round(capped * (0.9 + 0.2 * random()));
}

/** Deletes finished rows older than `before`, a slice at a time, so the tables stay small. */
export async function purgeFinished(pool: Pool, q: LeasedQueue, before: Date, limit = 5000): Promise<number> {
  return mysqlRunner(pool).run(`DELETE FROM ${q.table} WHERE state = 'sent' AND ${q.doneColumn} < ? LIMIT ${limit}`, [before]);
}
