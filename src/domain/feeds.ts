// Read-only subscription feeds: /feeds/<token>.ics serves a whole collection
// as one iCalendar file to anyone holding the token. The token is shown once;
// only its SHA-256 is stored, so revoking (deleting the row) ends it for good.
import { createHash, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { joinCalendarObjects } from './calendar-export.ts';
import { InvalidInput, NotFound } from './errors.ts';

const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createFeed(store: Store, collectionId: bigint, ctx: AuditContext): Promise<{ id: bigint; token: string }> {
  const exists = await store.db.collection.findUnique({ where: { id: collectionId }, select: { id: true } });
  if (!exists) throw new NotFound(`no collection ${collectionId}`);
  const token = randomBytes(24).toString('base64url');
  return store.db.$transaction(async (tx) => {
    const feed = await tx.feed.create({ data: { collectionId, tokenHash: tokenHash(token) }, select: { id: true } });
    await recordAudit(tx, ctx, { action: 'feed.create', targetType: 'collection', targetId: collectionId, detail: String(feed.id) });
    return { id: feed.id, token };
  });
}

export async function revokeFeed(store: Store, token: string, ctx: AuditContext): Promise<void> {
  if (!TOKEN.test(token)) throw new InvalidInput('that is not a feed token');
  await store.db.$transaction(async (tx) => {
    const feed = await tx.feed.findUnique({ where: { tokenHash: tokenHash(token) }, select: { id: true, collectionId: true } });
    if (!feed) throw new NotFound('no such feed (already revoked?)');
    await tx.feed.delete({ where: { id: feed.id } });
    await recordAudit(tx, ctx, { action: 'feed.revoke', targetType: 'collection', targetId: feed.collectionId, detail: String(feed.id) });
  });
}

export interface FeedState {
  collectionId: bigint;
  name: string;
  /** Changes whenever the feed's content can change: an item write, a rename, a restore. */
  etag: string;
}

/** The feed's collection and current ETag (cheap: no item is read), or null for an unknown or revoked token. */
export async function feedState(store: Store, token: string): Promise<FeedState | null> {
  if (!TOKEN.test(token)) return null;
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    `SELECT c.id, c.name, c.changePosition, e.epoch FROM feeds f
       JOIN collections c ON c.id = f.collectionId JOIN store_epoch e ON e.id = 1
      WHERE f.tokenHash = ?`,
    [tokenHash(token)],
  );
  const row = rows[0];
  if (!row) return null;
  const etag = createHash('sha256').update(`${row.epoch}\n${row.changePosition}\n${row.name}`).digest('base64url').slice(0, 32);
  return { collectionId: BigInt(row.id as string), name: row.name as string, etag };
}

/** The whole collection as one iCalendar stream. */
export async function feedCalendar(store: Store, state: FeedState): Promise<string> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT icalendar FROM items WHERE collectionId = ? ORDER BY id', [String(state.collectionId)]);
  return joinCalendarObjects(
    rows.map((r) => r.icalendar as string),
    state.name,
  );
}
