// Everything a write can touch, read in one go: to prove a refused or
// repeated write changed nothing (deepEqual before and after), or to count
// what an accepted one wrote. The one copy for item, CalDAV, mail and
// write-rule tests.
import type { Store } from '../../src/store/index.ts';

export interface WriteScope {
  collections: bigint[];
  /** Whose quota (usedBytes) a write charges. */
  users?: bigint[];
  /** A mail address: its use count and inbound records. */
  addressId?: bigint;
}

export async function writeSnapshot(store: Store, scope: WriteScope) {
  const collectionId = { in: scope.collections };
  const addressId = scope.addressId ?? -1n;
  const [items, changes, collections, users, deadProperties, address, accepted, records] = await Promise.all([
    store.db.item.findMany({ where: { collectionId }, orderBy: { id: 'asc' } }),
    store.db.change.findMany({ where: { collectionId }, orderBy: [{ collectionId: 'asc' }, { position: 'asc' }] }),
    store.db.collection.findMany({ where: { id: collectionId }, orderBy: { id: 'asc' } }),
    store.db.user.findMany({ where: { id: { in: scope.users ?? [] } }, orderBy: { id: 'asc' }, select: { id: true, usedBytes: true } }),
    store.db.deadProperty.count(),
    store.db.submissionAddress.findUnique({ where: { id: addressId }, select: { useCount: true } }),
    store.db.inboundMessage.count({ where: { addressId, outcome: 'accepted' } }),
    store.db.inboundMessage.count({ where: { addressId } }),
  ]);
  return {
    items,
    changes,
    collections,
    users,
    deadProperties,
    /** The first collection's change position and the first user's used bytes: the one-collection case. */
    position: collections[0]?.changePosition ?? 0n,
    usedBytes: users[0]?.usedBytes ?? 0n,
    useCount: address?.useCount ?? 0,
    accepted,
    records,
  };
}
