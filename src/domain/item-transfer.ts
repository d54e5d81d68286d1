// COPY and MOVE of one item between collections (CalDAV), in one
// transaction built from the same steps as putItem and deleteItem, so a
// refused destination leaves the source as it was.
import type { Store } from '../store/index.ts';
import { requireWrite } from './access.ts';
import { PreconditionFailed } from './errors.ts';
import { deleteInTransaction, getItem, preparePut, putInTransaction, validateResourceName, type ItemOrigin, type ItemWriteResult, type PutItemInput } from './items.ts';

export interface TransferItemInput {
  actorUserId: bigint;
  origin: ItemOrigin;
  /** MOVE deletes the source in the same transaction; COPY leaves it. */
  move: boolean;
  from: { collectionId: bigint; resourceName: string; ifMatch?: string };
  to: { collectionId: bigint; resourceName: string; overwrite: boolean };
}

/**
 * COPY or MOVE of one item (RFC 4918 9.8, 9.9) between collections the actor
 * may write to (a COPY source need only be readable): one transaction, so a
 * refused destination leaves the source as it was. An existing destination is
 * replaced only when `overwrite` allows it.
 */
export async function transferItem(store: Store, input: TransferItemInput): Promise<ItemWriteResult & { replaced: boolean }> {
  validateResourceName(input.from.resourceName);
  if (input.move) await requireWrite(store.db, input.actorUserId, input.from.collectionId);
  const source = await getItem(store, input.actorUserId, input.from.collectionId, input.from.resourceName);
  if (input.from.ifMatch !== undefined && input.from.ifMatch !== '*' && input.from.ifMatch !== source.etag) {
    throw new PreconditionFailed('the source has changed since you read it (ETag mismatch)');
  }
  const put: PutItemInput = {
    actorUserId: input.actorUserId,
    collectionId: input.to.collectionId,
    icalendar: source.icalendar,
    origin: input.origin,
    resourceName: input.to.resourceName,
  };
  const prepared = await preparePut(store, put);
  return store.db.$transaction(async (tx) => {
    // Lock both collections in id order, so two opposite moves cannot deadlock.
    const ids = [input.from.collectionId, input.to.collectionId].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    await tx.$queryRaw`SELECT id FROM collections WHERE id IN (${ids[0]}, ${ids[1]}) ORDER BY id FOR UPDATE`;
    if (input.move) {
      await deleteInTransaction(tx, { ...input.from, actorUserId: input.actorUserId, origin: input.origin, ifMatch: input.from.ifMatch ?? source.etag });
    }
    const target = await tx.item.findUnique({
      where: { collectionId_resourceName: { collectionId: input.to.collectionId, resourceName: input.to.resourceName } },
      select: { id: true },
    });
    if (target && !input.to.overwrite) throw new PreconditionFailed('the destination exists and Overwrite is F');
    if (target) {
      await deleteInTransaction(tx, { actorUserId: input.actorUserId, collectionId: input.to.collectionId, resourceName: input.to.resourceName, origin: input.origin });
    }
    const result = await putInTransaction(tx, put, prepared);
    return { ...result, replaced: target !== null };
  });
}
