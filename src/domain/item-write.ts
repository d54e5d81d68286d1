// The one item write, shared by every writer: CalDAV PUT, DELETE, COPY and
// MOVE (items.ts, item-transfer.ts), mail delivery (inbound.ts), and the web
// UI and API to come. Each writer reads what it needs, plans its steps here
// against what it read, and commits them here. The rules live once:
//   - what calendar data a collection takes (the one call to the calendar
//     validation, then the collection's component set);
//   - which resource an item goes to (one resource per UID, RFC 4791
//     5.3.2.1), and the name an item addressed by UID gets when its default
//     name is held by another UID;
//   - the preconditions a writer may give (If-Match, If-None-Match: *, an
//     expected version), judged against what was read;
//   - the transaction: each collection's change position bumped under its
//     row lock (ids in ascending order, so two writers never deadlock on
//     them), the owner's quota charged the write's net growth conditionally,
//     the items inserted, updated or deleted, one change-log row per step,
//     and whatever the writer commits with them (mail: the inbound record).
// It goes to the server as one multi-statement batch and COMMIT
// (store/write-batch.ts): two round trips for a write (its read and its
// batch), where a Prisma transaction took a dozen. Concurrency is optimistic:
// updates and deletes insist on the version read, creations on the UID and
// the name still being free (their unique keys). A concurrent writer makes
// the batch fail (StaleRead, or a UniqueViolation on an item key) and
// `writeWithRetries` reads and plans again; a retried plan judges the
// preconditions against the new state, so a stale If-Match is still refused.
import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { Deadlock, UniqueViolation } from '../store/errors.ts';
import type { Store } from '../store/index.ts';
import { placeholders } from '../store/sql.ts';
import { runWriteBatch, type Statement } from '../store/write-batch.ts';
import { canWrite, type Role } from './access.ts';
import { checkCalendarText, checkItemSize } from './calendar-limits.ts';
import { Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from './errors.ts';
import { changedFields, describeCalendar, parseVcalendar, storedFields, type Component, type ParsedItem } from './icalendar.ts';
import { addMissingVtimezones } from './vtimezones.ts';

export type ItemOrigin = 'caldav' | 'email' | 'web' | 'api';

/** What the store holds of one item, as read before planning. */
export interface StoredCopy {
  id: string;
  collectionId: string;
  uid: string;
  resourceName: string;
  icalendar: string;
  etag: string;
  version: number;
  sizeBytes: number;
}

/** A collection as a write needs it. */
export interface TargetCollection {
  id: bigint;
  ownerId: bigint;
  timeZone: string;
  components: string[];
}

// ------------------------------------------------------------------ names

const RESOURCE_NAME = /^[^/\\\u0000-\u001f]{1,255}$/;

export function validateResourceName(name: string): void {
  if (!RESOURCE_NAME.test(name) || name === '.' || name === '..') {
    throw new InvalidInput(`"${name}" is not a valid resource name`, 'invalid-resource-name');
  }
}

/** A strong ETag (unquoted): it changes with every write, even to equal text. */
export function computeEtag(version: number, text: string): string {
  return createHash('sha256').update(`${version}\n`).update(text).digest('base64url').slice(0, 32);
}

/** The name of an item addressed by its UID. */
export function defaultResourceName(uid: string): string {
  const safe = /^[A-Za-z0-9@._-]{1,200}$/.test(uid) ? uid : createHash('sha256').update(uid).digest('hex').slice(0, 40);
  return `${safe}.ics`;
}

/**
 * The name of an item addressed by its UID whose default name another UID
 * holds: derived from the UID alone, so every attempt of a write (and a
 * retried delivery) plans the same name. (CalDAV's copy once mixed in the
 * change position, so the name depended on when the write ran; the "mail"
 * salt is kept so names given before this rule was shared stay as they are.)
 */
export function clashFreeName(uid: string): string {
  return `${createHash('sha256').update(`${uid}\nmail`).digest('hex').slice(0, 40)}.ics`;
}

// --------------------------------------------------------------- content

/** Calendar data checked for a collection, as it will be stored. */
export interface ItemContent {
  icalendar: string;
  /** UTF-8 size of `icalendar`. */
  sizeBytes: number;
  /** Null only for planRewrite: the index fields stay as stored. */
  parsed: ParsedItem | null;
  /** The stored text is not the text given (VTIMEZONEs were added): a CalDAV PUT then returns no ETag (RFC 4791 5.3.4). */
  rewritten: boolean;
}

/** Content a client or the mail reader brought, checked and indexed. */
export type CheckedContent = ItemContent & { parsed: ParsedItem };

/** The checks every write makes of calendar data for a collection: the calendar validation (once), then the component set. */
function checkFor(calendar: Component, collection: Pick<TargetCollection, 'timeZone' | 'components'>): ParsedItem {
  const parsed = describeCalendar(calendar, { floatingZone: collection.timeZone });
  if (!collection.components.includes(parsed.kind)) {
    throw new InvalidInput(`this collection does not accept ${parsed.kind} (it takes ${collection.components.join(',')})`, 'supported-calendar-component');
  }
  return parsed;
}

/**
 * Text a client sent (CalDAV, API, web). Stored calendar data names no zone
 * it does not define (RFC 5545 3.2.19): a known zone's VTIMEZONE is added,
 * an unknown undefined TZID refused (vtimezones.ts says why); the text is
 * kept byte for byte whenever nothing had to be added.
 */
export function contentFromText(text: string, collection: Pick<TargetCollection, 'timeZone' | 'components'>): CheckedContent {
  checkCalendarText(text);
  const calendar = parseVcalendar(text);
  const parsed = checkFor(calendar, collection);
  const rewritten = addMissingVtimezones(calendar).length > 0;
  const icalendar = rewritten ? calendar.toString() : text;
  const sizeBytes = Buffer.byteLength(icalendar, 'utf8');
  checkItemSize(sizeBytes);
  return { icalendar, sizeBytes, parsed, rewritten };
}

/** A calendar the mail path built and normalised already (calendar-normalize.ts), with its text. */
export function contentFromCalendar(calendar: Component, text: string, collection: Pick<TargetCollection, 'timeZone' | 'components'>): CheckedContent {
  const sizeBytes = Buffer.byteLength(text, 'utf8');
  checkItemSize(sizeBytes);
  return { icalendar: text, sizeBytes, parsed: checkFor(calendar, collection), rewritten: false };
}

// ---------------------------------------------------------------- planning

export interface Preconditions {
  /** The ETag the writer last saw (unquoted), or "*" for any; any other current ETag refuses the write. */
  ifMatch?: string;
  /** Create only: refuse if the resource exists (If-None-Match: *). */
  ifNoneMatch?: boolean;
  /** The version the writer last saw; any other current version refuses the write. */
  expectedVersion?: number;
}

export function checkPreconditions(existing: { etag: string; version: number } | null, p: Preconditions): void {
  if (p.ifNoneMatch && existing) {
    throw new PreconditionFailed('the resource already exists (If-None-Match: *)');
  }
  // "*" (If-Match: *) only asks that the resource exist.
  if (p.ifMatch !== undefined && (!existing || (p.ifMatch !== '*' && existing.etag !== p.ifMatch))) {
    throw new PreconditionFailed(existing ? 'the resource has changed since you read it (ETag mismatch)' : 'the resource does not exist (If-Match)');
  }
  if (p.expectedVersion !== undefined && (!existing || existing.version !== p.expectedVersion)) {
    throw new PreconditionFailed(
      existing ? `the item is at version ${existing.version}, not ${p.expectedVersion}` : 'the item does not exist (expected version given)',
    );
  }
}

export interface PutStep {
  op: 'put';
  collection: TargetCollection;
  content: ItemContent;
  /** The copy this write replaces; null: the UID and the name must still be free. */
  existing: StoredCopy | null;
  resourceName: string;
  /** The tracked fields the change touches ('created' for a new item). */
  changed: string[];
}

export interface DeleteStep {
  op: 'delete';
  collection: TargetCollection;
  existing: StoredCopy;
}

export type WriteStep = PutStep | DeleteStep;

/** What was read for a put. `undefined` means "not read": the plan guesses it absent, and the batch's unique keys tell if it was not. */
export interface PutReads {
  /** The item at the name the writer gave. */
  atName?: StoredCopy | null;
  /** The item holding the UID. */
  byUid?: StoredCopy | null;
  /** For an item addressed by UID: whether another item holds its default name. */
  defaultNameTaken?: boolean;
}

/**
 * Plans a put: to the resource the writer named (CalDAV), or to the item of
 * its UID (mail, and writers without names). A UID lives in one resource per
 * collection (RFC 4791 5.3.2.1), and a PUT never changes a resource's UID.
 */
export function planPut(
  collection: TargetCollection,
  content: CheckedContent,
  name: string | undefined,
  reads: PutReads,
  p: Preconditions = {},
): PutStep & { content: CheckedContent } {
  const { uid } = content.parsed;
  let existing: StoredCopy | null;
  let resourceName: string;
  if (name !== undefined) {
    existing = reads.atName ?? null;
    resourceName = name;
    if (reads.byUid && reads.byUid.id !== existing?.id) {
      throw new Conflict(`UID ${uid} is already stored as ${reads.byUid.resourceName}`, 'no-uid-conflict');
    }
    if (existing && existing.uid !== uid) {
      throw new Conflict(`this resource holds UID ${existing.uid}; a PUT must not change the UID`, 'no-uid-conflict');
    }
  } else {
    existing = reads.byUid ?? null;
    resourceName = existing?.resourceName ?? defaultResourceName(uid);
    if (!existing && reads.defaultNameTaken) resourceName = clashFreeName(uid);
  }
  checkPreconditions(existing, p);
  const changed = existing ? changedFields(storedFields(existing.icalendar), content.parsed.fields) : ['created'];
  return { op: 'put', collection, content, existing, resourceName, changed };
}

/**
 * The server's own rewrite of a stored item's text that changes nothing it
 * means (timezone-repair.ts): stored data is not judged again, the index
 * fields stay, and the change row names no field (so it alerts nobody).
 * The batch still insists on the version read.
 */
export function planRewrite(collection: TargetCollection, existing: StoredCopy, text: string): PutStep {
  return { op: 'put', collection, content: { icalendar: text, sizeBytes: Buffer.byteLength(text, 'utf8'), parsed: null, rewritten: true }, existing, resourceName: existing.resourceName, changed: [] };
}

export function planDelete(collection: TargetCollection, existing: StoredCopy | null, name: string, p: Preconditions = {}): DeleteStep {
  if (!existing) throw new NotFound(`no item ${name}`);
  checkPreconditions(existing, p);
  return { op: 'delete', collection, existing };
}

// --------------------------------------------------------------- the batch

/** The read a batch was planned against has changed: the writer reads again (a PreconditionFailed when attempts run out). */
export class StaleRead extends PreconditionFailed {}

export interface Write {
  actorUserId: bigint | null;
  origin: ItemOrigin;
  steps: WriteStep[];
  /** Statements that commit with the items (mail: the inbound record and the address's counters). */
  also?: Statement[];
  /** 'charge' for the server's own writes (a repair): the bytes are counted, never refused. */
  quota?: 'refuse' | 'charge';
  /** False when the writer has no use for the steps' change positions (mail): one statement less in the batch. */
  positions?: boolean;
}

export interface StepResult {
  /** The change-log position of the step (0n when the write asked for none). */
  position: bigint;
  version: number;
  etag: string;
}

const id = (v: bigint | string) => String(v);

/** Commits the steps (in order) and `also` as one transaction: what each step became, and the results of `also`. */
export async function commitWrite(store: Store, write: Write): Promise<{ steps: StepResult[]; also: unknown[] }> {
  const { statements, versions, alsoAt, positionsAt } = writeStatements(write);
  const results = await runWriteBatch(store.batchPool, statements, (err) => err instanceof StaleRead);
  const positions = positionsAt === null ? {} : ((results[positionsAt] as RowDataPacket[])[0] as Record<string, string>);
  return {
    steps: write.steps.map((_, i) => ({ position: BigInt(positions[`s${i}`] ?? 0), ...versions[i]! })),
    also: results.slice(alsoAt, alsoAt + (write.also?.length ?? 0)),
  };
}

function writeStatements(write: Write): { statements: Statement[]; versions: Array<{ version: number; etag: string }>; alsoAt: number; positionsAt: number | null } {
  const out: Statement[] = [];
  const collections = new Map<bigint, TargetCollection>();
  for (const s of write.steps) collections.set(s.collection.id, s.collection);
  const ordered = [...collections.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counts = new Map<bigint, number>();
  for (const s of write.steps) counts.set(s.collection.id, (counts.get(s.collection.id) ?? 0) + 1);
  // The collection row lock serialises its writers; LAST_INSERT_ID(expr) hands the new position to a variable without a read.
  const variable = new Map<bigint, string>();
  for (const [i, c] of ordered.entries()) {
    const n = counts.get(c.id)!;
    variable.set(c.id, `@tidings_pos${i}`);
    out.push({
      sql: 'UPDATE collections SET changePosition = LAST_INSERT_ID(changePosition + ?) WHERE id = ? AND ownerId = ?',
      params: [n, id(c.id), id(c.ownerId)],
      check: (r) => (r.affectedRows === 1 ? null : new NotFound(`no collection ${c.id}`)),
    });
    out.push({ sql: `SET @tidings_pos${i} = LAST_INSERT_ID() - ?`, params: [n] });
  }

  // The owner is charged the write's net growth, once, and refused only if that would overflow the quota.
  const deltas = new Map<bigint, number>();
  for (const s of write.steps) {
    const delta = s.op === 'put' ? s.content.sizeBytes - (s.existing?.sizeBytes ?? 0) : -s.existing.sizeBytes;
    deltas.set(s.collection.ownerId, (deltas.get(s.collection.ownerId) ?? 0) + delta);
  }
  for (const [ownerId, delta] of [...deltas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (delta > 0 && write.quota === 'charge') {
      out.push({ sql: 'UPDATE users SET usedBytes = usedBytes + ? WHERE id = ?', params: [delta, id(ownerId)] });
    } else if (delta > 0) {
      out.push({
        sql: 'UPDATE users SET usedBytes = usedBytes + ? WHERE id = ? AND usedBytes + ? <= quotaBytes',
        params: [delta, id(ownerId), delta],
        check: (r) => (r.affectedRows === 1 ? null : new QuotaExceeded('the owner of this collection has no quota left for this change')),
      });
    } else if (delta < 0) {
      out.push({ sql: 'UPDATE users SET usedBytes = GREATEST(usedBytes + ?, 0) WHERE id = ?', params: [delta, id(ownerId)] });
    }
  }

  const versions: Array<{ version: number; etag: string }> = [];
  const seen = new Map<bigint, number>();
  const positionOf: string[] = [];
  const changeRows: unknown[][] = [];
  for (const s of write.steps) {
    const k = (seen.get(s.collection.id) ?? 0) + 1;
    seen.set(s.collection.id, k);
    positionOf.push(`${variable.get(s.collection.id)!} + ${k}`);
    if (s.op === 'put') {
      const version = (s.existing?.version ?? 0) + 1;
      const etag = computeEtag(version, s.content.icalendar);
      versions.push({ version, etag });
      out.push(putStatement(s, version, etag, write.origin));
      changeRows.push([id(s.collection.id), 'put', s.content.parsed?.uid ?? s.existing!.uid, s.resourceName, s.changed.join(',').slice(0, 255)]);
    } else {
      versions.push({ version: s.existing.version, etag: s.existing.etag });
      out.push({
        sql: 'DELETE FROM items WHERE id = ? AND version = ?',
        params: [s.existing.id, s.existing.version],
        check: (r) => (r.affectedRows === 1 ? null : new StaleRead('the item changed or went away while it was being deleted')),
      });
      changeRows.push([id(s.collection.id), 'delete', s.existing.uid, s.existing.resourceName, '']);
    }
  }
  let positionsAt: number | null = null;
  if (changeRows.length > 0) {
    const actor = write.actorUserId === null ? null : id(write.actorUserId);
    out.push({
      sql: `INSERT INTO changes (collectionId, position, operation, uid, resourceName, changedFields, actorUserId, origin) VALUES ${changeRows
        .map((_, i) => `(?, ${positionOf[i]}, ?, ?, ?, ?, ?, ?)`)
        .join(', ')}`,
      params: changeRows.flatMap((row) => [...row, actor, write.origin]),
    });
  }
  const alsoAt = out.length;
  out.push(...(write.also ?? []));
  if (positionOf.length > 0 && write.positions !== false) {
    positionsAt = out.length;
    out.push({ sql: `SELECT ${positionOf.map((p, i) => `${p} AS s${i}`).join(', ')}`, params: [] });
  }
  return { statements: out, versions, alsoAt, positionsAt };
}

function putStatement(s: PutStep, version: number, etag: string, origin: ItemOrigin): Statement {
  const p = s.content.parsed;
  const { icalendar, sizeBytes } = s.content;
  const stale = (r: { affectedRows: number }) => (r.affectedRows === 1 ? null : new StaleRead('the item changed while it was being written'));
  if (!s.existing) {
    if (!p) throw new Error('a new item needs its parsed fields');
    // A concurrent creation of the UID or the name fails here with a duplicate key: the writer reads again.
    return {
      sql: `INSERT INTO items (collectionId, uid, resourceName, kind, icalendar, summary, startUtc, endUtc, isRecurring, etag, version, sizeBytes, origin, updatedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(3))`,
      params: [id(s.collection.id), p.uid, s.resourceName, p.kind, icalendar, p.summary, p.startUtc, p.endUtc, p.isRecurring, etag, version, sizeBytes, origin],
    };
  }
  if (!p) {
    return {
      sql: 'UPDATE items SET icalendar = ?, etag = ?, version = ?, sizeBytes = ?, updatedAt = NOW(3) WHERE id = ? AND version = ?',
      params: [icalendar, etag, version, sizeBytes, s.existing.id, s.existing.version],
      check: stale,
    };
  }
  return {
    sql: `UPDATE items SET kind = ?, summary = ?, startUtc = ?, endUtc = ?, isRecurring = ?, icalendar = ?, etag = ?, version = ?, sizeBytes = ?,
                 origin = ?, updatedAt = NOW(3) WHERE id = ? AND version = ?`,
    params: [p.kind, p.summary, p.startUtc, p.endUtc, p.isRecurring, icalendar, etag, version, sizeBytes, origin, s.existing.id, s.existing.version],
    check: stale,
  };
}

// ---------------------------------------------------------------- retries

const MAX_ATTEMPTS = 4;
const ITEM_KEYS = new Set(['items_collectionId_uid_key', 'items_collectionId_resourceName_key']);

/**
 * Runs `attempt` (read, plan, commit) until it commits, starting over when a
 * concurrent writer got there first: a stale read, a creation that met an
 * item (or a key in `retryKeys`) made meanwhile, or a deadlock (InnoDB rolled
 * the transaction back at once, so trying again costs little; a lock wait
 * timeout has already kept the writer waiting and is not retried). Attempt 1
 * may guess (plan against nothing stored); later attempts must read.
 */
export async function writeWithRetries<T>(attempt: (n: number) => Promise<T>, retryKeys: ReadonlySet<string> = ITEM_KEYS): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const again = err instanceof StaleRead || err instanceof Deadlock || (err instanceof UniqueViolation && (ITEM_KEYS.has(err.key ?? '') || retryKeys.has(err.key ?? '')));
      if (!again || n >= MAX_ATTEMPTS) throw err;
    }
  }
}

// ------------------------------------------------------------------- reads

export interface TargetReads {
  collections: Map<bigint, TargetCollection & { role: Role | null }>;
  items: StoredCopy[];
}

const ITEM_COLUMNS = 'id, collectionId, uid, resourceName, icalendar, etag, version, sizeBytes';

/**
 * One round trip: the collections (with the actor's role on each) and the
 * items at the given names and UIDs. One SELECT per unique index: an OR of
 * the two would read every item of the collection.
 */
export async function readTargets(
  store: Store,
  q: { actorUserId: bigint; collectionIds: bigint[]; names?: Array<[bigint, string]>; uids?: Array<[bigint, string]> },
): Promise<TargetReads> {
  const parts = [
    `SELECT c.id, c.ownerId, c.timeZone, c.components, m.role FROM collections c
       LEFT JOIN collection_members m ON m.collectionId = c.id AND m.userId = ? WHERE c.id IN (${placeholders(q.collectionIds.length)})`,
  ];
  const params: unknown[] = [id(q.actorUserId), ...q.collectionIds.map(id)];
  const lookups = [...(q.names ?? []).map(([c, v]) => ['resourceName', c, v] as const), ...(q.uids ?? []).map(([c, v]) => ['uid', c, v] as const)];
  if (lookups.length > 0) {
    parts.push(lookups.map(([column]) => `SELECT ${ITEM_COLUMNS} FROM items WHERE collectionId = ? AND ${column} = ?`).join(' UNION ALL '));
    params.push(...lookups.flatMap(([, c, v]) => [id(c), v]));
  }
  const [raw] = await store.batchPool.query(parts.join(';\n'), params);
  const sets = (lookups.length > 0 ? raw : [raw]) as RowDataPacket[][];
  const reads: TargetReads = { collections: new Map(), items: [] };
  for (const r of sets[0]!) {
    reads.collections.set(BigInt(r.id), {
      id: BigInt(r.id),
      ownerId: BigInt(r.ownerId),
      timeZone: String(r.timeZone),
      components: String(r.components).split(','),
      role: (r.role as Role | null) ?? null,
    });
  }
  const ids = new Set<string>();
  for (const r of sets[1] ?? []) {
    if (ids.has(String(r.id))) continue;
    ids.add(String(r.id));
    reads.items.push(storedCopy(r));
  }
  return reads;
}

export function storedCopy(r: RowDataPacket): StoredCopy {
  return {
    id: String(r.id),
    collectionId: String(r.collectionId),
    uid: String(r.uid),
    resourceName: String(r.resourceName),
    icalendar: String(r.icalendar),
    etag: String(r.etag),
    version: Number(r.version),
    sizeBytes: Number(r.sizeBytes),
  };
}

/** The collection, if the actor may read it (a non-member learns nothing: NotFound). */
export function readable(reads: TargetReads, collectionId: bigint): TargetCollection & { role: Role } {
  const c = reads.collections.get(collectionId);
  if (!c || !c.role) throw new NotFound(`no collection ${collectionId}`);
  return c as TargetCollection & { role: Role };
}

/** The collection, if the actor may change it (the rule of access.ts requireWrite, on rows read with the write's own). */
export function writable(reads: TargetReads, collectionId: bigint): TargetCollection {
  const c = readable(reads, collectionId);
  if (!canWrite(c.role)) throw new Forbidden(`your role on collection ${collectionId} (${c.role}) does not allow changes`);
  return c;
}

/** The item read in `collectionId` whose `column` equals `value` as the database compares (a _ci collation). */
export function itemIn(reads: TargetReads, collectionId: bigint, column: 'resourceName' | 'uid', value: string): StoredCopy | null {
  const v = value.toLowerCase();
  return reads.items.find((i) => i.collectionId === id(collectionId) && i[column].toLowerCase() === v) ?? null;
}
