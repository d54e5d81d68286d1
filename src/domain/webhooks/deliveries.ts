// Webhook deliveries: one row per POST, written in the fan-out's transaction
// and worked off like the outbox (store/leased-queue.ts): the
// webhook-delivery job claims due rows, POSTs them and reports each outcome
// here.
import type { Store } from '../../store/index.ts';
import { WEBHOOK_QUEUE, claimDue, expireLeases, markDone, purgeFinished, settleFailure } from '../../store/leased-queue.ts';
import type { Pool } from '../../store/mysql.ts';
import { mysqlRunner, placeholders, type SqlRunner } from '../../store/sql.ts';

/** Delivered rows are kept this long. */
const KEEP_MS = 7 * 86_400_000;

export interface CollectionWebhook {
  id: bigint;
  userId: bigint;
}

/** The collection's webhooks whose owners are still members and not disabled. */
export async function collectionWebhooks(sql: SqlRunner, collectionId: bigint): Promise<CollectionWebhook[]> {
  const rows = await sql.rows<{ id: string; userId: string }>(
    `SELECT w.id, w.userId FROM webhooks w
       JOIN collection_members m ON m.collectionId = w.collectionId AND m.userId = w.userId
       JOIN users u ON u.id = w.userId AND u.disabledAt IS NULL
      WHERE w.collectionId = ?`,
    [collectionId],
  );
  return rows.map((r) => ({ id: BigInt(r.id), userId: BigInt(r.userId) }));
}

export async function enqueueWebhookDeliveries(sql: SqlRunner, deliveries: Array<{ webhookId: bigint; payload: string }>, now: Date): Promise<void> {
  for (let i = 0; i < deliveries.length; i += 500) {
    const slice = deliveries.slice(i, i + 500);
    await sql.run(
      `INSERT INTO webhook_deliveries (webhookId, payload, nextAttemptAt, createdAt) VALUES ${slice.map(() => '(?, ?, ?, ?)').join(', ')}`,
      slice.flatMap((d) => [d.webhookId, d.payload, now, now]),
    );
  }
}

export interface WebhookDeliveryJob {
  id: bigint;
  webhookId: bigint;
  url: string;
  secret: string;
  payload: string;
  attempts: number;
}

export async function loadWebhookDeliveries(pool: Pool, ids: bigint[]): Promise<WebhookDeliveryJob[]> {
  if (ids.length === 0) return [];
  const rows = await mysqlRunner(pool).rows<Record<string, unknown>>(
    `SELECT d.id, d.webhookId, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhookId
      WHERE d.id IN (${placeholders(ids.length)}) ORDER BY d.id`,
    ids,
  );
  return rows.map((r) => ({
    id: BigInt(r.id as string),
    webhookId: BigInt(r.webhookId as string),
    url: r.url as string,
    secret: r.secret as string,
    payload: r.payload as string,
    attempts: Number(r.attempts),
  }));
}

export async function noteWebhookSuccess(pool: Pool, webhookId: bigint, now: Date): Promise<void> {
  await mysqlRunner(pool).run('UPDATE webhooks SET lastSuccessAt = ? WHERE id = ?', [now, webhookId]);
}

/** Dead-letters deliveries whose sender vanished mid-POST (never sent twice); how many. */
export function expireWebhookLeases(store: Store, now: Date): Promise<number> {
  return expireLeases(store.pool, WEBHOOK_QUEUE, now);
}

/** Claims up to `limit` due deliveries for `workerId`, with what the POST needs. */
export async function claimWebhookDeliveries(store: Store, o: { now: Date; limit: number; leaseMs: number; workerId: string }): Promise<WebhookDeliveryJob[]> {
  return loadWebhookDeliveries(store.pool, await claimDue(store.pool, WEBHOOK_QUEUE, o));
}

export async function webhookDelivered(store: Store, d: WebhookDeliveryJob, workerId: string, now: Date): Promise<void> {
  await markDone(store.pool, WEBHOOK_QUEUE, [d.id], workerId, now);
  await noteWebhookSuccess(store.pool, d.webhookId, now);
}

/** A failed POST: dead when permanent or out of attempts, else retried later with backoff (store/leased-queue.ts settleFailure). */
export async function webhookFailed(
  store: Store,
  d: WebhookDeliveryJob,
  workerId: string,
  failure: { permanent: boolean; error: string },
  o: { maxAttempts: number; retryBaseSeconds: number; now: Date },
): Promise<'dead' | 'retry'> {
  return (await settleFailure(store.pool, WEBHOOK_QUEUE, d, workerId, { ...o, permanent: failure.permanent, error: failure.error })).outcome;
}

export function purgeWebhookDeliveries(store: Store, now: Date): Promise<number> {
  return purgeFinished(store.pool, WEBHOOK_QUEUE, new Date(now.getTime() - KEEP_MS));
}
