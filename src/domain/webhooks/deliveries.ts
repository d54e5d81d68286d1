// Webhook deliveries: one row per POST, written in the fan-out's transaction
// and worked off like the outbox (store/leased-queue.ts).
import type { Pool } from '../../store/mysql.ts';
import { mysqlRunner, placeholders, type SqlRunner } from '../../store/sql.ts';

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
