// Items (calendar objects): the one write path shared by CalDAV, email, the
// web UI and the API. A write is one transaction: the collection's change
// position is bumped (which also serialises writers of one collection), the
// owner's quota is charged, the item is stored and a change-log row appended.
import { createHash } from 'node:crypto';
import type { Store } from '../store/index.ts';
import type { Prisma } from '../store/prisma.ts';
import { requireRead, requireWrite } from './access.ts';
import { Conflict, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from './errors.ts';
import { changedFields, checkItemSize, describeCalendar, parseCalendarObject, parseVcalendar, type ItemKind, type ParsedItem } from './icalendar.ts';
import { addMissingVtimezones } from './vtimezones.ts';

export type ItemOrigin = 'caldav' | 'email' | 'web' | 'api';

export interface Item {
  id: bigint;
  collectionId: bigint;
  uid: string;
  resourceName: string;
  kind: ItemKind;
  icalendar: string;
  summary: string;
  startUtc: Date | null;
  endUtc: Date | null;
  isRecurring: boolean;
  etag: string;
  version: number;
  sizeBytes: number;
  origin: ItemOrigin;
  createdAt: Date;
  updatedAt: Date;
}

export interface PutItemInput {
  actorUserId: bigint;
  collectionId: bigint;
  icalendar: string;
  origin: ItemOrigin;
  /** The CalDAV resource name. Absent: the item is addressed by its UID. */
  resourceName?: string;
  /** The ETag the writer last saw (unquoted), or "*" for any; any other current ETag refuses the write. */
  ifMatch?: string;
  /** Create only: refuse if the resource exists (If-None-Match: *). */
  ifNoneMatch?: boolean;
  /** The version the writer last saw; any other current version refuses the write. */
  expectedVersion?: number;
}

export interface ItemWriteResult {
  created: boolean;
  uid: string;
  resourceName: string;
  etag: string;
  version: number;
  /** The collection's change position after this write. */
  position: bigint;
  changedFields: string[];
  /** The stored text is not the text given (VTIMEZONEs were added): a CalDAV PUT then returns no ETag (RFC 4791 5.3.4). */
  rewritten: boolean;
}

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

export function defaultResourceName(uid: string): string {
  const safe = /^[A-Za-z0-9@._-]{1,200}$/.test(uid) ? uid : createHash('sha256').update(uid).digest('hex').slice(0, 40);
  return `${safe}.ics`;
}

function checkPreconditions(existing: { etag: string; version: number } | null, input: PutItemInput | DeleteItemInput): void {
  if ('ifNoneMatch' in input && input.ifNoneMatch && existing) {
    throw new PreconditionFailed('the resource already exists (If-None-Match: *)');
  }
  // "*" (If-Match: *) only asks that the resource exist.
  if (input.ifMatch !== undefined && (!existing || (input.ifMatch !== '*' && existing.etag !== input.ifMatch))) {
    throw new PreconditionFailed(existing ? 'the resource has changed since you read it (ETag mismatch)' : 'the resource does not exist (If-Match)');
  }
  if (input.expectedVersion !== undefined && (!existing || existing.version !== input.expectedVersion)) {
    throw new PreconditionFailed(
      existing ? `the item is at version ${existing.version}, not ${input.expectedVersion}` : 'the item does not exist (expected version given)',
    );
  }
}

/** Moves `delta` bytes onto the owner's quota, or refuses when it would overflow. */
async function chargeQuota(tx: Prisma.TransactionClient, ownerId: bigint, delta: number): Promise<void> {
  if (delta > 0) {
    const n = await tx.$executeRaw`UPDATE users SET usedBytes = usedBytes + ${delta} WHERE id = ${ownerId} AND usedBytes + ${delta} <= quotaBytes`;
    if (n === 0) throw new QuotaExceeded('the owner of this collection has no quota left for this change');
  } else if (delta < 0) {
    await tx.$executeRaw`UPDATE users SET usedBytes = GREATEST(usedBytes + ${delta}, 0) WHERE id = ${ownerId}`;
  }
}

/** Bumps and returns the collection's change position, locking its row until commit. */
async function nextPosition(tx: Prisma.TransactionClient, collectionId: bigint): Promise<{ position: bigint; ownerId: bigint }> {
  await tx.$executeRaw`UPDATE collections SET changePosition = changePosition + 1 WHERE id = ${collectionId}`;
  const c = await tx.collection.findUnique({ where: { id: collectionId }, select: { changePosition: true, ownerId: true } });
  if (!c) throw new NotFound(`no collection ${collectionId}`);
  return { position: c.changePosition, ownerId: c.ownerId };
}

/** What preparePut learned; for item-transfer.ts, which writes in its own transaction. */
export interface PreparedPut {
  parsed: ParsedItem;
  timeZone: string;
  /** The text to store: as given, or with the VTIMEZONEs it lacked (vtimezones.ts). */
  icalendar: string;
  rewritten: boolean;
  sizeBytes: number;
}

/** Checks access and parses the text against the target collection, before any transaction. */
export async function preparePut(store: Store, input: PutItemInput): Promise<PreparedPut> {
  if (input.resourceName !== undefined) validateResourceName(input.resourceName);
  await requireWrite(store.db, input.actorUserId, input.collectionId);
  const collection = await store.db.collection.findUnique({
    where: { id: input.collectionId },
    select: { timeZone: true, components: true },
  });
  if (!collection) throw new NotFound(`no collection ${input.collectionId}`);
  checkItemSize(Buffer.byteLength(input.icalendar, 'utf8'));
  const calendar = parseVcalendar(input.icalendar);
  const parsed = describeCalendar(calendar, { floatingZone: collection.timeZone });
  if (!collection.components.split(',').includes(parsed.kind)) {
    throw new InvalidInput(`this collection does not accept ${parsed.kind} (it takes ${collection.components})`, 'supported-calendar-component');
  }
  // Stored calendar data names no zone it does not define (RFC 5545 3.2.19):
  // a known zone's VTIMEZONE is added, an unknown undefined TZID refused (vtimezones.ts says why).
  // The text is kept byte for byte whenever nothing had to be added.
  const rewritten = addMissingVtimezones(calendar).length > 0;
  const icalendar = rewritten ? calendar.toString() : input.icalendar;
  const sizeBytes = Buffer.byteLength(icalendar, 'utf8');
  checkItemSize(sizeBytes);
  return { parsed, timeZone: collection.timeZone, icalendar, rewritten, sizeBytes };
}

export async function putItem(store: Store, input: PutItemInput): Promise<ItemWriteResult> {
  const prepared = await preparePut(store, input);
  return store.db.$transaction((tx) => putInTransaction(tx, input, prepared));
}

export async function putInTransaction(tx: Prisma.TransactionClient, input: PutItemInput, prepared: PreparedPut): Promise<ItemWriteResult> {
  const { parsed, sizeBytes, icalendar } = prepared;
  const collection = { timeZone: prepared.timeZone };
  const { position, ownerId } = await nextPosition(tx, input.collectionId);
  const byUid = await tx.item.findUnique({ where: { collectionId_uid: { collectionId: input.collectionId, uid: parsed.uid } } });
  let existing = byUid;
  let resourceName = input.resourceName ?? byUid?.resourceName ?? defaultResourceName(parsed.uid);
  if (input.resourceName !== undefined) {
    existing = await tx.item.findUnique({ where: { collectionId_resourceName: { collectionId: input.collectionId, resourceName } } });
    // RFC 4791 5.3.2.1: a UID lives in one resource per collection.
    if (byUid && byUid.resourceName !== resourceName) {
      throw new Conflict(`UID ${parsed.uid} is already stored as ${byUid.resourceName}`, 'no-uid-conflict');
    }
    if (existing && existing.uid !== parsed.uid) {
      throw new Conflict(`this resource holds UID ${existing.uid}; a PUT must not change the UID`, 'no-uid-conflict');
    }
  } else if (!byUid) {
    const clash = await tx.item.findUnique({ where: { collectionId_resourceName: { collectionId: input.collectionId, resourceName } }, select: { id: true } });
    if (clash) resourceName = `${createHash('sha256').update(`${parsed.uid}\n${position}`).digest('hex').slice(0, 40)}.ics`;
  }
  checkPreconditions(existing, input);
  await chargeQuota(tx, ownerId, sizeBytes - (existing?.sizeBytes ?? 0));

  const version = (existing?.version ?? 0) + 1;
  const etag = computeEtag(version, icalendar);
  const fields = indexedFields(parsed);
  let changed: string[] = [];
  if (existing) {
    const before = parseCalendarObject(existing.icalendar, { floatingZone: collection.timeZone });
    changed = changedFields(before.fields, parsed.fields);
    await tx.item.update({
      where: { id: existing.id },
      data: { ...fields, icalendar, etag, version, sizeBytes, origin: input.origin },
    });
  } else {
    changed = ['created'];
    await tx.item.create({
      data: { ...fields, collectionId: input.collectionId, uid: parsed.uid, resourceName, icalendar, etag, version, sizeBytes, origin: input.origin },
    });
  }
  await tx.change.create({
    data: {
      collectionId: input.collectionId,
      position,
      operation: 'put',
      uid: parsed.uid,
      resourceName,
      changedFields: changed.join(',').slice(0, 255),
      actorUserId: input.actorUserId,
      origin: input.origin,
    },
  });
  return { created: !existing, uid: parsed.uid, resourceName, etag, version, position, changedFields: changed, rewritten: prepared.rewritten };
}

function indexedFields(parsed: ParsedItem) {
  return {
    kind: parsed.kind,
    summary: parsed.summary,
    startUtc: parsed.startUtc,
    endUtc: parsed.endUtc,
    isRecurring: parsed.isRecurring,
  };
}

export interface DeleteItemInput {
  actorUserId: bigint;
  collectionId: bigint;
  resourceName: string;
  origin: ItemOrigin;
  ifMatch?: string;
  expectedVersion?: number;
}

export async function deleteItem(store: Store, input: DeleteItemInput): Promise<{ position: bigint; uid: string }> {
  validateResourceName(input.resourceName);
  await requireWrite(store.db, input.actorUserId, input.collectionId);
  return store.db.$transaction((tx) => deleteInTransaction(tx, input));
}

export async function deleteInTransaction(tx: Prisma.TransactionClient, input: DeleteItemInput): Promise<{ position: bigint; uid: string }> {
  const { position, ownerId } = await nextPosition(tx, input.collectionId);
  const existing = await tx.item.findUnique({
    where: { collectionId_resourceName: { collectionId: input.collectionId, resourceName: input.resourceName } },
    select: { id: true, uid: true, etag: true, version: true, sizeBytes: true },
  });
  if (!existing) throw new NotFound(`no item ${input.resourceName}`);
  checkPreconditions(existing, input);
  await tx.item.delete({ where: { id: existing.id } });
  await chargeQuota(tx, ownerId, -existing.sizeBytes);
  await tx.change.create({
    data: {
      collectionId: input.collectionId,
      position,
      operation: 'delete',
      uid: existing.uid,
      resourceName: input.resourceName,
      actorUserId: input.actorUserId,
      origin: input.origin,
    },
  });
  return { position, uid: existing.uid };
}

export async function getItem(store: Store, userId: bigint, collectionId: bigint, resourceName: string): Promise<Item> {
  await requireRead(store.db, userId, collectionId);
  const item = await store.db.item.findUnique({ where: { collectionId_resourceName: { collectionId, resourceName } } });
  if (!item) throw new NotFound(`no item ${resourceName}`);
  return item;
}

export async function getItemByUid(store: Store, userId: bigint, collectionId: bigint, uid: string): Promise<Item | null> {
  await requireRead(store.db, userId, collectionId);
  return store.db.item.findUnique({ where: { collectionId_uid: { collectionId, uid } } });
}

export async function listItems(store: Store, userId: bigint, collectionId: bigint): Promise<Item[]> {
  await requireRead(store.db, userId, collectionId);
  return store.db.item.findMany({ where: { collectionId }, orderBy: { id: 'asc' } });
}

/**
 * Items that may overlap [start, end): the indexed UTC bounds narrow the
 * candidates (an item with no end is unbounded); callers needing exact
 * recurrence semantics check the candidates' instances.
 */
export async function itemsInRange(store: Store, userId: bigint, collectionId: bigint, start: Date, end: Date): Promise<Item[]> {
  await requireRead(store.db, userId, collectionId);
  return store.db.item.findMany({
    where: {
      collectionId,
      OR: [{ startUtc: null }, { startUtc: { lt: end }, OR: [{ endUtc: null }, { endUtc: { gt: start } }, { endUtc: start, startUtc: start }] }],
    },
    orderBy: { startUtc: 'asc' },
  });
}
