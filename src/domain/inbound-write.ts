// The store side of mail delivery on mysql2, in as few round trips as the
// rules allow, because mail is the robot's hot path and each round trip
// costs it a socket write and read (bench/smtp.bench.ts):
//   1. readForDelivery: one query answers "was this message delivered to
//      this address already?" and returns the stored copies of its UIDs (and
//      who holds the resource names they would take);
//   2. commitDelivery: the whole transaction (the items with the same rules
//      as items.ts putItem: change position bumped under the collection's
//      row lock, quota charged conditionally, one change-log row each; the
//      inbound record; the address's counters) goes to the server as one
//      multi-statement batch, then COMMIT, or ROLLBACK when a row count shows
//      a rule was broken. Nothing is committed until every check passed.
// Concurrency is optimistic: updates insist on the version read in step 1,
// creations on the UID (and resource name) still being free; a concurrent
// writer makes the batch fail (PreconditionFailed, or a duplicate key) and
// the caller starts over from step 1.
import { createHash } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { placeholders } from '../store/sql.ts';
import { InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from './errors.ts';
import { changedFields, checkItemSize, describeCalendar, parseCalendarObject, type Component, type ParsedItem } from './icalendar.ts';
import { computeEtag, defaultResourceName } from './items.ts';

/** What the store holds for one UID, as read before planning. */
export interface StoredCopy {
  id: string;
  icalendar: string;
  version: number;
  resourceName: string;
  sizeBytes: number;
}

export interface DeliveryReads {
  /** The address already has an accepted (or quarantined) record for this message. */
  delivered: boolean;
  byUid: Map<string, StoredCopy>;
  /** Resource names in use in the collection (lower-cased), among the ones asked about. */
  takenNames: Set<string>;
}

const id = (v: bigint) => String(v);

/** Step 1: one query for the exactly-once key, the stored copies of `uids` and whether `names` are taken. */
export async function readForDelivery(
  store: Store,
  q: { addressId: bigint; dedupeKey: string; collectionId: bigint; uids: string[]; names: string[] },
): Promise<DeliveryReads> {
  let sql = `SELECT 'delivered' AS k, NULL AS id, NULL AS uid, NULL AS resourceName, NULL AS icalendar, NULL AS version, NULL AS sizeBytes
               FROM inbound_messages WHERE addressId = ? AND dedupeKey = ?`;
  const params: string[] = [id(q.addressId), q.dedupeKey];
  // One branch per unique index: an OR of the two would read every item of the collection.
  if (q.uids.length > 0) {
    sql += ` UNION ALL
             SELECT 'item', id, uid, resourceName, icalendar, version, sizeBytes FROM items WHERE collectionId = ? AND uid IN (${placeholders(q.uids.length)})`;
    params.push(id(q.collectionId), ...q.uids);
  }
  if (q.names.length > 0) {
    sql += ` UNION ALL
             SELECT 'name', id, uid, resourceName, NULL, NULL, NULL FROM items WHERE collectionId = ? AND resourceName IN (${placeholders(q.names.length)})`;
    params.push(id(q.collectionId), ...q.names);
  }
  const [rows] = await store.pool.execute<RowDataPacket[]>(sql, params);
  const reads: DeliveryReads = { delivered: false, byUid: new Map(), takenNames: new Set() };
  // UIDs and names compare as the database compares them (a _ci collation).
  const asked = new Map(q.uids.map((u) => [u.toLowerCase(), u]));
  for (const r of rows) {
    if (r.k === 'delivered') {
      reads.delivered = true;
      continue;
    }
    reads.takenNames.add(String(r.resourceName).toLowerCase());
    const uid = r.k === 'item' ? asked.get(String(r.uid).toLowerCase()) : undefined;
    if (uid !== undefined) {
      reads.byUid.set(uid, { id: String(r.id), icalendar: r.icalendar as string, version: Number(r.version), resourceName: r.resourceName as string, sizeBytes: Number(r.sizeBytes) });
    }
  }
  return reads;
}

/** One item to write, planned against `existing` (null: the UID must still be free). */
export interface ItemWrite {
  icalendar: string;
  /** UTF-8 size of `icalendar`. */
  sizeBytes: number;
  parsed: ParsedItem;
  existing: StoredCopy | null;
  resourceName: string;
  /** The tracked fields the change touches ('created' for a new item). */
  changed: string[];
}

/** Checks a calendar for a collection, as preparePut does, from what routing already knows. */
export function prepareItem(
  calendar: Component,
  text: string,
  existing: StoredCopy | null,
  collection: { timeZone: string; components: string[]; takenNames: Set<string> },
): ItemWrite {
  const sizeBytes = Buffer.byteLength(text, 'utf8');
  checkItemSize(sizeBytes);
  const parsed = describeCalendar(calendar, { floatingZone: collection.timeZone });
  if (!collection.components.includes(parsed.kind)) {
    throw new InvalidInput(`this collection does not accept ${parsed.kind} (it takes ${collection.components.join(',')})`, 'supported-calendar-component');
  }
  let resourceName = existing?.resourceName ?? defaultResourceName(parsed.uid);
  if (!existing && collection.takenNames.has(resourceName.toLowerCase())) {
    // Another item (of another UID) already has this name: a name of its own, derived from the UID.
    resourceName = `${createHash('sha256').update(`${parsed.uid}\nmail`).digest('hex').slice(0, 40)}.ics`;
  }
  const changed = existing ? changedFields(parseCalendarObject(existing.icalendar, { floatingZone: collection.timeZone }).fields, parsed.fields) : ['created'];
  return { icalendar: text, sizeBytes, parsed, existing, resourceName, changed };
}

export type InboundOutcome = 'accepted' | 'duplicate' | 'quarantined' | 'rejected' | 'deferred';

/** What an inbound record keeps of the message itself. */
export interface InboundEnvelope {
  messageId: string;
  /** SHA-256 (hex) of the Message-ID; the exactly-once key with the address. */
  dedupeKey: string;
  mailFrom: string;
  rcptTo: string;
  remoteAddress: string;
  headerFrom: string;
  subject: string;
  sizeBytes: number;
}

/** An inbound record as written: the envelope (refusals carry no exactly-once key), whose it is, and what became of it. */
export interface RecordWrite extends Omit<InboundEnvelope, 'dedupeKey'> {
  dedupeKey: string | null;
  userId: bigint;
  addressId: bigint;
  collectionId: bigint;
  outcome: InboundOutcome;
  reply: string;
  spamScore: number | null;
  trace: string;
}

/** The record's columns, each cut to its width in the schema: the one place both writers (mysql2 here, Prisma in inbound.ts) take them from. */
export function recordColumns(r: RecordWrite) {
  return {
    userId: r.userId,
    addressId: r.addressId,
    collectionId: r.collectionId,
    dedupeKey: r.dedupeKey,
    messageId: r.messageId.slice(0, 255),
    mailFrom: r.mailFrom.slice(0, 320),
    rcptTo: r.rcptTo.slice(0, 320),
    remoteAddress: r.remoteAddress.slice(0, 45),
    headerFrom: r.headerFrom.slice(0, 320),
    subject: r.subject.slice(0, 255),
    sizeBytes: r.sizeBytes,
    outcome: r.outcome,
    reply: r.reply.slice(0, 512),
    spamScore: r.spamScore,
    trace: r.trace,
  };
}

/** A record on its own (a refused message): one autocommitted INSERT. */
export async function insertRecord(store: Store, r: RecordWrite): Promise<bigint> {
  const { sql, params } = recordStatement(r);
  const [result] = await store.pool.execute<ResultSetHeader>(sql, params as string[]);
  return BigInt(result.insertId);
}

export interface DeliveryCommit {
  collectionId: bigint;
  ownerId: bigint;
  addressId: bigint;
  items: ItemWrite[];
  /** A new record, or the release of a quarantined one (its record updated). */
  record: { insert: RecordWrite } | { release: bigint; reply: string; trace: string };
}

type Statement = { sql: string; params: unknown[]; check?: (result: ResultSetHeader) => Error | null };

/** Step 2: the transaction as one batch, then COMMIT; returns the inbound record's id. */
export async function commitDelivery(store: Store, d: DeliveryCommit): Promise<bigint> {
  const statements = deliveryStatements(d);
  const conn = await store.batchPool.getConnection();
  try {
    let results: ResultSetHeader[];
    try {
      const [r] = await conn.query(statements.map((s) => s.sql).join(';\n'), statements.flatMap((s) => s.params));
      results = r as unknown as ResultSetHeader[];
      for (const [i, s] of statements.entries()) {
        const broken = s.check?.(results[i]!);
        if (broken) throw broken;
      }
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => conn.destroy());
      throw err;
    }
    if ('release' in d.record) return d.record.release;
    const inserted = results[statements.findIndex((s) => s.sql.startsWith('INSERT INTO inbound_messages'))]!;
    return BigInt(inserted.insertId);
  } finally {
    conn.release();
  }
}

function deliveryStatements(d: DeliveryCommit): Statement[] {
  const out: Statement[] = [{ sql: 'START TRANSACTION', params: [] }];
  if (d.items.length > 0) {
    // The collection row lock serialises its writers; LAST_INSERT_ID(expr) hands the new position to @pos without a read.
    out.push({
      sql: 'UPDATE collections SET changePosition = LAST_INSERT_ID(changePosition + ?) WHERE id = ? AND ownerId = ?',
      params: [d.items.length, id(d.collectionId), id(d.ownerId)],
      check: (r) => (r.affectedRows === 1 ? null : new NotFound(`no collection ${d.collectionId}`)),
    });
    out.push({ sql: 'SET @pos = LAST_INSERT_ID() - ?', params: [d.items.length] });
    const delta = d.items.reduce((sum, w) => sum + w.sizeBytes - (w.existing?.sizeBytes ?? 0), 0);
    if (delta > 0) {
      out.push({
        sql: 'UPDATE users SET usedBytes = usedBytes + ? WHERE id = ? AND usedBytes + ? <= quotaBytes',
        params: [delta, id(d.ownerId), delta],
        check: (r) => (r.affectedRows === 1 ? null : new QuotaExceeded('the owner of this collection has no quota left for this change')),
      });
    } else if (delta < 0) {
      out.push({ sql: 'UPDATE users SET usedBytes = GREATEST(usedBytes + ?, 0) WHERE id = ?', params: [delta, id(d.ownerId)] });
    }
    for (const w of d.items) out.push(itemStatement(d.collectionId, w));
    out.push({
      sql: `INSERT INTO changes (collectionId, position, operation, uid, resourceName, changedFields, actorUserId, origin) VALUES ${d.items
        .map((_, i) => `(?, @pos + ${i + 1}, 'put', ?, ?, ?, ?, 'email')`)
        .join(', ')}`,
      params: d.items.flatMap((w) => [id(d.collectionId), w.parsed.uid, w.resourceName, w.changed.join(',').slice(0, 255), id(d.ownerId)]),
    });
  }
  if ('release' in d.record) {
    const { release, reply, trace } = d.record;
    out.push({
      sql: 'DELETE FROM quarantined_messages WHERE inboundMessageId = ?',
      params: [id(release)],
      // Released twice at once: the other release won and delivered it.
      check: (r) => (r.affectedRows === 1 ? null : new NotFound(`no quarantined message ${release}`)),
    });
    out.push({ sql: "UPDATE inbound_messages SET outcome = 'accepted', reply = ?, trace = ? WHERE id = ?", params: [reply.slice(0, 512), trace, id(release)] });
  } else {
    out.push(recordStatement(d.record.insert));
  }
  out.push({ sql: 'UPDATE submission_addresses SET useCount = useCount + 1, lastUsedAt = NOW(3) WHERE id = ?', params: [id(d.addressId)] });
  return out;
}

function itemStatement(collectionId: bigint, w: ItemWrite): Statement {
  const p = w.parsed;
  const { sizeBytes } = w;
  const version = w.existing ? w.existing.version + 1 : 1;
  const etag = computeEtag(version, w.icalendar);
  if (!w.existing) {
    // A concurrent creation of the UID or the name fails here with a duplicate key: the caller starts over.
    return {
      sql: `INSERT INTO items (collectionId, uid, resourceName, kind, icalendar, summary, startUtc, endUtc, isRecurring, etag, version, sizeBytes, origin, updatedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'email', NOW(3))`,
      params: [id(collectionId), p.uid, w.resourceName, p.kind, w.icalendar, p.summary, p.startUtc, p.endUtc, p.isRecurring, etag, version, sizeBytes],
    };
  }
  return {
    sql: `UPDATE items SET kind = ?, summary = ?, startUtc = ?, endUtc = ?, isRecurring = ?, icalendar = ?, etag = ?, version = ?, sizeBytes = ?,
                 origin = 'email', updatedAt = NOW(3) WHERE id = ? AND version = ?`,
    params: [p.kind, p.summary, p.startUtc, p.endUtc, p.isRecurring, w.icalendar, etag, version, sizeBytes, w.existing.id, w.existing.version],
    check: (r) => (r.affectedRows === 1 ? null : new PreconditionFailed('the item changed while the message was being delivered')),
  };
}

function recordStatement(r: RecordWrite): Statement {
  const columns = recordColumns(r);
  const names = Object.keys(columns);
  return {
    sql: `INSERT INTO inbound_messages (${names.join(', ')}) VALUES (${placeholders(names.length)})`,
    params: Object.values(columns).map((v) => (typeof v === 'bigint' ? String(v) : v)),
  };
}
