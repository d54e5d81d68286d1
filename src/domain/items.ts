// Items (calendar objects): putItem, deleteItem and the reads. Writes are
// planned and committed by item-write.ts, the one write every writer (CalDAV,
// email, the web UI and the API) goes through: the collection's change
// position is bumped (which also serialises writers of one collection), the
// owner's quota is charged, the item is stored and a change-log row appended,
// in one transaction.
import type { Store } from '../store/index.ts';
import { requireRead } from './access.ts';
import { NotFound } from './errors.ts';
import type { ItemKind } from './icalendar.ts';
import {
  commitWrite,
  contentFromText,
  defaultResourceName,
  itemIn,
  planDelete,
  planPut,
  readTargets,
  validateResourceName,
  writable,
  writeWithRetries,
  type CheckedContent,
  type ItemOrigin,
  type PutReads,
} from './item-write.ts';

export { computeEtag, defaultResourceName, validateResourceName, type ItemOrigin } from './item-write.ts';

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

/**
 * Stores an item: at the resource the writer names (CalDAV), or, with no
 * name, as the item of its UID. The first attempt reads the collection and
 * the named resource only, and guesses that the UID is stored nowhere else;
 * if it is, the INSERT meets its unique key and the next attempt reads by
 * UID too (item-write.ts).
 */
export async function putItem(store: Store, input: PutItemInput): Promise<ItemWriteResult> {
  if (input.resourceName !== undefined) validateResourceName(input.resourceName);
  const cid = input.collectionId;
  const name = input.resourceName;
  // A writer without a name that gives a precondition means the item of its UID: read it before planning.
  const mustRead = name === undefined && (input.ifMatch !== undefined || input.expectedVersion !== undefined);
  let content: CheckedContent | null = null;
  return writeWithRetries(async (attempt) => {
    const uid = content?.parsed.uid;
    const byUid = attempt > 1 && uid !== undefined;
    let reads = await readTargets(store, {
      actorUserId: input.actorUserId,
      collectionIds: [cid],
      names: name !== undefined ? [[cid, name]] : byUid ? [[cid, defaultResourceName(uid)]] : [],
      uids: byUid ? [[cid, uid]] : [],
    });
    const collection = writable(reads, cid);
    content ??= contentFromText(input.icalendar, collection);
    const { parsed } = content;
    if (name === undefined && mustRead && !byUid) {
      reads = await readTargets(store, { actorUserId: input.actorUserId, collectionIds: [cid], names: [[cid, defaultResourceName(parsed.uid)]], uids: [[cid, parsed.uid]] });
    }
    const read = name !== undefined || byUid || mustRead;
    const holder = read ? itemIn(reads, cid, 'uid', parsed.uid) : undefined;
    const atDefault = read ? itemIn(reads, cid, 'resourceName', defaultResourceName(parsed.uid)) : null;
    const putReads: PutReads =
      name !== undefined
        ? { atName: itemIn(reads, cid, 'resourceName', name), byUid: byUid ? holder : undefined }
        : { byUid: holder, defaultNameTaken: atDefault !== null && atDefault.uid !== parsed.uid };
    const step = planPut(collection, content, name, putReads, input);
    const { steps } = await commitWrite(store, { actorUserId: input.actorUserId, origin: input.origin, steps: [step] });
    const r = steps[0]!;
    return {
      created: step.existing === null,
      uid: parsed.uid,
      resourceName: step.resourceName,
      etag: r.etag,
      version: r.version,
      position: r.position,
      changedFields: step.changed,
      rewritten: content.rewritten,
    };
  });
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
  const cid = input.collectionId;
  return writeWithRetries(async () => {
    const reads = await readTargets(store, { actorUserId: input.actorUserId, collectionIds: [cid], names: [[cid, input.resourceName]] });
    const step = planDelete(writable(reads, cid), itemIn(reads, cid, 'resourceName', input.resourceName), input.resourceName, input);
    const { steps } = await commitWrite(store, { actorUserId: input.actorUserId, origin: input.origin, steps: [step] });
    return { position: steps[0]!.position, uid: step.existing.uid };
  });
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
