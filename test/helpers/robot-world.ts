// A user, a collection and its submission address, as the CLI makes them.
import { createCollectionAddress, type ItemMode, type SenderPolicy } from '../../src/domain/addresses.ts';
import type { Store } from '../../src/store/index.ts';
import { makeCollection, makeUser, TEST_AUDIT } from './world.ts';

export interface Mailbox {
  owner: Awaited<ReturnType<typeof makeUser>>;
  collectionId: bigint;
  address: string;
  addressId: bigint;
}

export async function makeMailbox(
  store: Store,
  opts: { policy?: SenderPolicy; mode?: ItemMode; allowlist?: string[]; timeZone?: string; components?: string[]; confirmations?: boolean; quotaBytes?: bigint } = {},
): Promise<Mailbox> {
  const owner = await makeUser(store, 'owner', opts.quotaBytes !== undefined ? { quotaBytes: opts.quotaBytes } : {});
  const collection = await makeCollection(store, owner, { timeZone: opts.timeZone ?? 'Europe/Berlin', ...(opts.components ? { components: opts.components } : {}) });
  const address = await createCollectionAddress(
    store,
    { actorUserId: owner.id, collectionId: collection.id, domain: 'tidings.test', policy: opts.policy, itemMode: opts.mode, allowlist: opts.allowlist, confirmations: opts.confirmations },
    TEST_AUDIT,
  );
  return { owner, collectionId: collection.id, address: address.address, addressId: address.id };
}

export async function itemsOf(store: Store, collectionId: bigint) {
  return store.db.item.findMany({ where: { collectionId }, orderBy: { id: 'asc' } });
}

export async function inboundOf(store: Store, addressId: bigint) {
  return store.db.inboundMessage.findMany({ where: { addressId }, orderBy: { id: 'asc' } });
}
