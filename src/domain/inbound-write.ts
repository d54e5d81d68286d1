// The mail side of delivery, in as few round trips as the rules allow,
// because mail is the robot's hot path and each round trip costs it a socket
// write and read (bench/smtp.bench.ts):
//   1. readForDelivery: one query answers "was this message delivered to
//      this address already?" and returns the stored copies of its UIDs (and
//      who holds the resource names they would take);
//   2. commitDelivery: the items through the one item write (item-write.ts:
//      the same rules, statements and batch as every other writer), with the
//      inbound record and the address's counters in the same transaction.
// Concurrency is optimistic (item-write.ts says how): a concurrent writer
// makes the batch fail and the caller starts over from step 1.
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { placeholders } from '../store/sql.ts';
import type { Statement } from '../store/write-batch.ts';
import { NotFound } from './errors.ts';
import type { Component } from './icalendar.ts';
import { commitWrite, contentFromCalendar, defaultResourceName, planPut, storedCopy, type CheckedContent, type PutStep, type StoredCopy, type TargetCollection } from './item-write.ts';

export type { StoredCopy };

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
  let sql = `SELECT 'delivered' AS k, NULL AS id, NULL AS collectionId, NULL AS uid, NULL AS resourceName, NULL AS icalendar, NULL AS etag, NULL AS version, NULL AS sizeBytes
               FROM inbound_messages WHERE addressId = ? AND dedupeKey = ?`;
  const params: string[] = [id(q.addressId), q.dedupeKey];
  // One branch per unique index: an OR of the two would read every item of the collection.
  if (q.uids.length > 0) {
    sql += ` UNION ALL
             SELECT 'item', id, collectionId, uid, resourceName, icalendar, etag, version, sizeBytes FROM items WHERE collectionId = ? AND uid IN (${placeholders(q.uids.length)})`;
    params.push(id(q.collectionId), ...q.uids);
  }
  if (q.names.length > 0) {
    sql += ` UNION ALL
             SELECT 'name', id, collectionId, uid, resourceName, NULL, NULL, NULL, NULL FROM items WHERE collectionId = ? AND resourceName IN (${placeholders(q.names.length)})`;
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
      reads.byUid.set(uid, storedCopy(r));
    }
  }
  return reads;
}

/** One item to write, planned against `existing` (null: the UID must still be free). */
export type ItemWrite = PutStep & { content: CheckedContent };

/** Plans an item of a message for the address's collection, by the rules of every write (item-write.ts). */
export function prepareItem(
  calendar: Component,
  text: string,
  existing: StoredCopy | null,
  collection: { collectionId: bigint; ownerId: bigint; timeZone: string; components: string[]; takenNames: Set<string> },
): ItemWrite {
  const target: TargetCollection = { id: collection.collectionId, ownerId: collection.ownerId, timeZone: collection.timeZone, components: collection.components };
  const content = contentFromCalendar(calendar, text, target);
  const defaultNameTaken = collection.takenNames.has(defaultResourceName(content.parsed.uid).toLowerCase());
  return planPut(target, content, undefined, { byUid: existing, defaultNameTaken });
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

/** Step 2: the items, the record and the counters as one transaction; returns the inbound record's id. */
export async function commitDelivery(store: Store, d: DeliveryCommit): Promise<bigint> {
  const also = recordStatements(d);
  const { also: results } = await commitWrite(store, { actorUserId: d.ownerId, origin: 'email', steps: d.items, also, positions: false });
  if ('release' in d.record) return d.record.release;
  return BigInt((results[0] as ResultSetHeader).insertId);
}

/** What commits with a delivery's items: the record (first), and the address's counters. */
function recordStatements(d: DeliveryCommit): Statement[] {
  const out: Statement[] = [];
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

function recordStatement(r: RecordWrite): Statement {
  const columns = recordColumns(r);
  const names = Object.keys(columns);
  return {
    sql: `INSERT INTO inbound_messages (${names.join(', ')}) VALUES (${placeholders(names.length)})`,
    params: Object.values(columns).map((v) => (typeof v === 'bigint' ? String(v) : v)),
  };
}
