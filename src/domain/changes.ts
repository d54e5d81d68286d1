// Reading the change log: what changed in a collection since a sync token.
// This is the hot path of every client poll, so it runs on mysql2 and reads
// only the rows after the token through the (collectionId, position) index:
// its cost follows the number of changes since the token, not the log size.
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { InvalidInput, NotFound } from './errors.ts';

export interface ChangeEntry {
  resourceName: string;
  uid: string;
  deleted: boolean;
  position: bigint;
}

export interface ChangesSince {
  /** The token to hand back to the client. */
  syncToken: string;
  position: bigint;
  changes: ChangeEntry[];
  /** True when `limit` cut the answer short; the token then covers only what was returned. */
  truncated: boolean;
}

// Tokens are "<epoch>-<position>": the epoch ties a token to one copy of the
// store, so a token minted by data newer than a restored backup is refused.
const TOKEN = /^([0-9a-f]{32})-(\d{1,19})$/;

export function formatSyncToken(epoch: string, position: bigint): string {
  return `${epoch}-${position}`;
}

/** Position the token stands for; InvalidInput('valid-sync-token') if it is not ours or not valid now. */
export function parseSyncToken(token: string, epoch: string, current: bigint): bigint {
  const m = TOKEN.exec(token);
  if (!m) throw new InvalidInput('the sync token is not one this server issued', 'valid-sync-token');
  if (m[1] !== epoch) throw new InvalidInput('the sync token comes from another copy of the data (the store was restored)', 'valid-sync-token');
  const position = BigInt(m[2]!);
  if (position > current) throw new InvalidInput('the sync token is newer than the collection (the store was restored)', 'valid-sync-token');
  return position;
}

/**
 * Position and epoch of a collection the user may read, in one round trip:
 * the membership check rides along, so a poll costs one indexed query.
 * A non-member gets NotFound, as everywhere (access.ts).
 */
async function collectionState(store: Store, userId: bigint, collectionId: bigint): Promise<{ position: bigint; epoch: string }> {
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    `SELECT c.changePosition AS position, e.epoch AS epoch
       FROM collections c
       JOIN store_epoch e ON e.id = 1
       JOIN collection_members m ON m.collectionId = c.id AND m.userId = ?
      WHERE c.id = ?`,
    [String(userId), String(collectionId)],
  );
  const row = rows[0];
  if (!row) throw new NotFound(`no collection ${collectionId}`);
  return { position: BigInt(row.position as string), epoch: row.epoch as string };
}

/** The collection's current sync token (also its ctag). */
export async function currentSyncToken(store: Store, userId: bigint, collectionId: bigint): Promise<string> {
  const state = await collectionState(store, userId, collectionId);
  return formatSyncToken(state.epoch, state.position);
}

/**
 * Changes since `token` (null: an initial sync, listing every current item),
 * one entry per resource with its latest state.
 */
export async function changesSince(
  store: Store,
  userId: bigint,
  collectionId: bigint,
  token: string | null,
  limit?: number,
): Promise<ChangesSince> {
  const state = await collectionState(store, userId, collectionId);
  if (token === null) {
    const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT resourceName, uid FROM items WHERE collectionId = ? ORDER BY id', [
      String(collectionId),
    ]);
    return {
      syncToken: formatSyncToken(state.epoch, state.position),
      position: state.position,
      changes: rows.map((r) => ({ resourceName: r.resourceName as string, uid: r.uid as string, deleted: false, position: state.position })),
      truncated: false,
    };
  }
  const since = parseSyncToken(token, state.epoch, state.position);
  const cap = limit !== undefined && limit > 0 ? Math.min(limit, 100_000) : null;
  // Reading a few more rows than the cap finds out whether the answer is cut.
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    `SELECT position, operation, uid, resourceName FROM changes
      WHERE collectionId = ? AND position > ? AND position <= ?
      ORDER BY position${cap ? ' LIMIT ' + String(cap + 1) : ''}`,
    [String(collectionId), String(since), String(state.position)],
  );
  let list = rows;
  let truncated = false;
  let upTo = state.position;
  if (cap && rows.length > cap) {
    list = rows.slice(0, cap);
    truncated = true;
    upTo = BigInt(list[list.length - 1]!.position as string);
  }
  const latest = new Map<string, ChangeEntry>();
  for (const r of list) {
    latest.delete(r.resourceName as string);
    latest.set(r.resourceName as string, {
      resourceName: r.resourceName as string,
      uid: r.uid as string,
      deleted: r.operation === 'delete',
      position: BigInt(r.position as string),
    });
  }
  return { syncToken: formatSyncToken(state.epoch, upTo), position: upTo, changes: [...latest.values()], truncated };
}

/** The store's epoch: part of every sync token and ctag (DESIGN.md "Restores never revert anyone's data"). */
export async function storeEpoch(store: Store): Promise<string> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT epoch FROM store_epoch WHERE id = 1');
  const row = rows[0];
  if (!row) throw new NotFound('the store has no epoch (not migrated?)');
  return row.epoch as string;
}
