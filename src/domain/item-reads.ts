// Reads of many items at once for CalDAV (PROPFIND Depth 1, multiget, sync),
// on mysql2 and without the text where it is not needed: these run on every
// client poll (DESIGN.md "hot paths on mysql2").
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { roleOnCollection } from './collection-lookup.ts';
import { NotFound } from './errors.ts';
import type { ItemKind } from './icalendar.ts';

export interface ItemSummary {
  resourceName: string;
  kind: ItemKind;
  etag: string;
  sizeBytes: number;
  updatedAt: Date;
  createdAt: Date;
}

export interface ItemText extends ItemSummary {
  uid: string;
  icalendar: string;
}

async function requireReadable(store: Store, userId: bigint, collectionId: bigint): Promise<void> {
  if ((await roleOnCollection(store, userId, collectionId)) === null) throw new NotFound(`no collection ${collectionId}`);
}

function summary(r: RowDataPacket): ItemSummary {
  return {
    resourceName: r.resourceName as string,
    kind: r.kind as ItemKind,
    etag: r.etag as string,
    sizeBytes: Number(r.sizeBytes),
    updatedAt: r.updatedAt as Date,
    createdAt: r.createdAt as Date,
  };
}

/** Every item's metadata, no text. */
export async function listItemSummaries(store: Store, userId: bigint, collectionId: bigint): Promise<ItemSummary[]> {
  await requireReadable(store, userId, collectionId);
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    'SELECT resourceName, kind, etag, sizeBytes, updatedAt, createdAt FROM items WHERE collectionId = ? ORDER BY id',
    [String(collectionId)],
  );
  return rows.map(summary);
}

const CHUNK = 500;

/** The named items that exist, with their text; names with no item are left out. */
export async function itemsByResourceName(store: Store, userId: bigint, collectionId: bigint, names: string[], withText = true): Promise<ItemText[]> {
  await requireReadable(store, userId, collectionId);
  const unique = [...new Set(names)];
  const out: ItemText[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    // query, not execute: the IN list varies in length and would fill the prepared-statement cache.
    const [rows] = await store.pool.query<RowDataPacket[]>(
      `SELECT resourceName, uid, kind, etag, sizeBytes, updatedAt, createdAt${withText ? ', icalendar' : ''} FROM items WHERE collectionId = ? AND resourceName IN (?)`,
      [String(collectionId), part],
    );
    for (const r of rows) out.push({ ...summary(r), uid: r.uid as string, icalendar: withText ? (r.icalendar as string) : '' });
  }
  return out;
}
