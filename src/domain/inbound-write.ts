// The write side of mail delivery on mysql2, in one transaction: the items
// (with the same rules as items.ts putItem: change position bumped under the
// collection's row lock, UID addressing, quota charged, one change-log row
// each), the inbound record, the address's counters. Mail is the hot write
// path of the robot and Prisma's interactive transactions cost it most of
// its time (bench/smtp.bench.ts, and DESIGN.md "keep the hot paths on
// mysql2"); reading and parsing happen before, outside the transaction.
import { createHash } from 'node:crypto';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { Forbidden, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from './errors.ts';
import { changedFields, parseCalendarObject, type ParsedItem } from './icalendar.ts';
import { computeEtag, defaultResourceName } from './items.ts';

export interface ItemWrite {
  actorUserId: bigint;
  collectionId: bigint;
  icalendar: string;
  parsed: ParsedItem;
  timeZone: string;
  /** The stored version the plan was made against, or null: the item must not exist yet. */
  expectedVersion: number | null;
}

export interface RecordWrite {
  userId: bigint;
  addressId: bigint;
  collectionId: bigint;
  dedupeKey: string | null;
  messageId: string;
  mailFrom: string;
  rcptTo: string;
  remoteAddress: string;
  headerFrom: string;
  subject: string;
  sizeBytes: number;
  outcome: string;
  reply: string;
  spamScore: number | null;
  trace: string;
}

/** Parses and checks an item for a collection, as preparePut does, from what routing already knows. */
export function prepareItem(icalendar: string, collection: { timeZone: string; components: string[] }): ParsedItem {
  const parsed = parseCalendarObject(icalendar, { floatingZone: collection.timeZone });
  if (!collection.components.includes(parsed.kind)) {
    throw new InvalidInput(`this collection does not accept ${parsed.kind} (it takes ${collection.components.join(',')})`, 'supported-calendar-component');
  }
  return parsed;
}

export async function inTransaction<T>(store: Store, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await store.pool.getConnection();
  try {
    await conn.query('START TRANSACTION');
    try {
      const result = await fn(conn);
      await conn.query('COMMIT');
      return result;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    conn.release();
  }
}

const id = (v: bigint) => String(v);

export async function writeItem(conn: PoolConnection, w: ItemWrite): Promise<{ resourceName: string; created: boolean }> {
  const [roles] = await conn.execute<RowDataPacket[]>('SELECT role FROM collection_members WHERE collectionId = ? AND userId = ?', [id(w.collectionId), id(w.actorUserId)]);
  const role = roles[0]?.role as string | undefined;
  if (!role) throw new NotFound(`no collection ${w.collectionId}`);
  if (role === 'viewer') throw new Forbidden(`your role on collection ${w.collectionId} (viewer) does not allow changes`);

  await conn.execute('UPDATE collections SET changePosition = changePosition + 1 WHERE id = ?', [id(w.collectionId)]);
  const [cols] = await conn.execute<RowDataPacket[]>('SELECT changePosition, ownerId FROM collections WHERE id = ?', [id(w.collectionId)]);
  if (!cols[0]) throw new NotFound(`no collection ${w.collectionId}`);
  const position = String(cols[0].changePosition);
  const ownerId = String(cols[0].ownerId);

  const uid = w.parsed.uid;
  const [found] = await conn.execute<RowDataPacket[]>('SELECT id, resourceName, icalendar, version, sizeBytes FROM items WHERE collectionId = ? AND uid = ?', [id(w.collectionId), uid]);
  const existing = found[0] ?? null;
  if (w.expectedVersion === null ? existing !== null : existing === null || Number(existing.version) !== w.expectedVersion) {
    throw new PreconditionFailed('the item changed while the message was being delivered');
  }
  let resourceName = existing ? (existing.resourceName as string) : defaultResourceName(uid);
  if (!existing) {
    const [clash] = await conn.execute<RowDataPacket[]>('SELECT id FROM items WHERE collectionId = ? AND resourceName = ?', [id(w.collectionId), resourceName]);
    if (clash.length) resourceName = `${createHash('sha256').update(`${uid}\n${position}`).digest('hex').slice(0, 40)}.ics`;
  }

  const sizeBytes = Buffer.byteLength(w.icalendar, 'utf8');
  const delta = sizeBytes - (existing ? Number(existing.sizeBytes) : 0);
  if (delta > 0) {
    const [charged] = await conn.execute<ResultSetHeader>('UPDATE users SET usedBytes = usedBytes + ? WHERE id = ? AND usedBytes + ? <= quotaBytes', [delta, ownerId, delta]);
    if (charged.affectedRows === 0) throw new QuotaExceeded('the owner of this collection has no quota left for this change');
  } else if (delta < 0) {
    await conn.execute('UPDATE users SET usedBytes = GREATEST(usedBytes + ?, 0) WHERE id = ?', [delta, ownerId]);
  }

  const version = existing ? Number(existing.version) + 1 : 1;
  const etag = computeEtag(version, w.icalendar);
  const p = w.parsed;
  let changed: string[] = ['created'];
  if (existing) {
    changed = changedFields(parseCalendarObject(existing.icalendar as string, { floatingZone: w.timeZone }).fields, p.fields);
    await conn.execute(
      `UPDATE items SET kind = ?, summary = ?, startUtc = ?, endUtc = ?, isRecurring = ?, icalendar = ?, etag = ?, version = ?, sizeBytes = ?,
              origin = 'email', updatedAt = NOW(3) WHERE id = ?`,
      [p.kind, p.summary, p.startUtc, p.endUtc, p.isRecurring, w.icalendar, etag, version, sizeBytes, String(existing.id)],
    );
  } else {
    await conn.execute(
      `INSERT INTO items (collectionId, uid, resourceName, kind, icalendar, summary, startUtc, endUtc, isRecurring, etag, version, sizeBytes, origin, updatedAt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'email', NOW(3))`,
      [id(w.collectionId), uid, resourceName, p.kind, w.icalendar, p.summary, p.startUtc, p.endUtc, p.isRecurring, etag, version, sizeBytes],
    );
  }
  await conn.execute(
    `INSERT INTO changes (collectionId, position, operation, uid, resourceName, changedFields, actorUserId, origin) VALUES (?, ?, 'put', ?, ?, ?, ?, 'email')`,
    [id(w.collectionId), position, uid, resourceName, changed.join(',').slice(0, 255), id(w.actorUserId)],
  );
  return { resourceName, created: !existing };
}

export async function insertRecord(conn: PoolConnection, r: RecordWrite): Promise<bigint> {
  const [result] = await conn.execute<ResultSetHeader>(
    `INSERT INTO inbound_messages (userId, addressId, collectionId, dedupeKey, messageId, mailFrom, rcptTo, remoteAddress, headerFrom, subject, sizeBytes, outcome, reply, spamScore, trace)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [id(r.userId), id(r.addressId), id(r.collectionId), r.dedupeKey, r.messageId.slice(0, 255), r.mailFrom.slice(0, 320), r.rcptTo.slice(0, 320), r.remoteAddress.slice(0, 45), r.headerFrom.slice(0, 320), r.subject.slice(0, 255), r.sizeBytes, r.outcome, r.reply.slice(0, 512), r.spamScore, r.trace],
  );
  return BigInt(result.insertId);
}

export async function countUse(conn: PoolConnection, addressId: bigint): Promise<void> {
  await conn.execute('UPDATE submission_addresses SET useCount = useCount + 1, lastUsedAt = NOW(3) WHERE id = ?', [id(addressId)]);
}

/** True when the message was already delivered to this address (its record exists). */
export async function wasDelivered(store: Store, addressId: bigint, dedupeKey: string): Promise<boolean> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT 1 FROM inbound_messages WHERE addressId = ? AND dedupeKey = ?', [id(addressId), dedupeKey]);
  return rows.length > 0;
}

export async function storedByUid(store: Store, collectionId: bigint, uid: string): Promise<{ icalendar: string; version: number } | null> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT icalendar, version FROM items WHERE collectionId = ? AND uid = ?', [id(collectionId), uid]);
  return rows[0] ? { icalendar: rows[0].icalendar as string, version: Number(rows[0].version) } : null;
}
