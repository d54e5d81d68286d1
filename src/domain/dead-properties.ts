// Dead properties (RFC 4918 4.2): properties a client sets that Tidings does
// not model, kept as the client sent them and returned on PROPFIND. They are
// per user (a sharee's calendar-order is theirs) and per resource: "home",
// "principal" or "collection:<id>". Values are opaque XML text to the domain.
import type { Store } from '../store/index.ts';
import { requireRead } from './access.ts';
import { InvalidInput } from './errors.ts';

export type DeadResource = { kind: 'home' } | { kind: 'principal' } | { kind: 'collection'; collectionId: bigint };

export interface DeadProperty {
  namespace: string;
  name: string;
  /** The property element, serialized as XML. */
  value: string;
}

/** Largest stored property value; clients store short things (colours, orders). */
export const MAX_DEAD_PROPERTY_BYTES = 16 * 1024;
const MAX_PER_RESOURCE = 200;

function key(resource: DeadResource): string {
  return resource.kind === 'collection' ? `collection:${resource.collectionId}` : resource.kind;
}

async function checkAccess(store: Store, userId: bigint, resource: DeadResource): Promise<void> {
  // Reading a collection is enough: dead properties are the caller's own view of it.
  if (resource.kind === 'collection') await requireRead(store.db, userId, resource.collectionId);
}

export async function listDeadProperties(store: Store, userId: bigint, resource: DeadResource): Promise<DeadProperty[]> {
  await checkAccess(store, userId, resource);
  return store.db.deadProperty.findMany({
    where: { userId, resource: key(resource) },
    select: { namespace: true, name: true, value: true },
    orderBy: [{ namespace: 'asc' }, { name: 'asc' }],
  });
}

/** Sets (value) or removes (null) each property, all in one transaction. */
export async function patchDeadProperties(
  store: Store,
  userId: bigint,
  resource: DeadResource,
  changes: Array<{ namespace: string; name: string; value: string | null }>,
): Promise<void> {
  await checkAccess(store, userId, resource);
  for (const c of changes) {
    if (c.namespace.length > 255 || c.name.length > 128 || c.name === '') throw new InvalidInput(`property name {${c.namespace}}${c.name} is too long`);
    if (c.value !== null && Buffer.byteLength(c.value, 'utf8') > MAX_DEAD_PROPERTY_BYTES) {
      throw new InvalidInput(`property {${c.namespace}}${c.name} is larger than ${MAX_DEAD_PROPERTY_BYTES} bytes`);
    }
  }
  const resourceKey = key(resource);
  await store.db.$transaction(async (tx) => {
    for (const c of changes) {
      const id = { userId_resource_namespace_name: { userId, resource: resourceKey, namespace: c.namespace, name: c.name } };
      if (c.value === null) await tx.deadProperty.deleteMany({ where: { userId, resource: resourceKey, namespace: c.namespace, name: c.name } });
      else await tx.deadProperty.upsert({ where: id, create: { userId, resource: resourceKey, namespace: c.namespace, name: c.name, value: c.value }, update: { value: c.value } });
    }
    const count = await tx.deadProperty.count({ where: { userId, resource: resourceKey } });
    if (count > MAX_PER_RESOURCE) throw new InvalidInput(`at most ${MAX_PER_RESOURCE} dead properties per resource`);
  });
}

/** Drops every user's dead properties of a deleted collection. */
export async function dropCollectionDeadProperties(store: Store, collectionId: bigint): Promise<void> {
  await store.db.deadProperty.deleteMany({ where: { resource: `collection:${collectionId}` } });
}
