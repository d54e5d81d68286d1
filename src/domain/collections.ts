// Collections and their members. The owner is also a member (role owner),
// so one membership lookup answers every access question.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.ts';
import { requireOwner, requireOwnerOrOperator, requireRead, type Actor, type Role } from './access.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { normalizeEmail } from './accounts.ts';
import { isUniqueViolation } from './prisma-errors.ts';
import { isIanaZone } from './timezones.ts';

export interface Collection {
  id: bigint;
  ownerId: bigint;
  slug: string;
  name: string;
  description: string;
  color: string | null;
  timeZone: string;
  components: string;
  changePosition: bigint;
}

export interface CollectionWithRole extends Collection {
  role: Role;
}

const FIELDS = {
  id: true,
  ownerId: true,
  slug: true,
  name: true,
  description: true,
  color: true,
  timeZone: true,
  components: true,
  changePosition: true,
} as const;

const COMPONENTS = ['VEVENT', 'VTODO', 'VJOURNAL'];
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const COLOR = /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/;

export interface NewCollection {
  ownerId: bigint;
  name: string;
  slug?: string;
  description?: string;
  color?: string | null;
  timeZone?: string;
  components?: string[];
}

function slugFrom(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 40);
  // A random tail keeps generated slugs unique without a retry loop.
  return `${base || 'collection'}-${randomBytes(4).toString('hex')}`;
}

function validate(input: { name?: string; description?: string; color?: string | null; timeZone?: string; components?: string[] }) {
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw new InvalidInput('collection name must be 1 to 200 characters');
  }
  if (input.description !== undefined && input.description.length > 2000) throw new InvalidInput('description must be at most 2000 characters');
  if (input.color != null && !COLOR.test(input.color)) throw new InvalidInput(`colour must look like #RRGGBB or #RRGGBBAA, got "${input.color}"`);
  if (input.timeZone !== undefined && !isIanaZone(input.timeZone)) throw new InvalidInput(`unknown time zone "${input.timeZone}"`);
  if (input.components !== undefined) {
    if (input.components.length === 0 || input.components.some((c) => !COMPONENTS.includes(c))) {
      throw new InvalidInput(`components must be a non-empty subset of ${COMPONENTS.join(', ')}`, 'supported-calendar-component');
    }
  }
}

export async function createCollection(store: Store, input: NewCollection, ctx: AuditContext): Promise<Collection> {
  validate(input);
  const slug = input.slug ?? slugFrom(input.name);
  if (!SLUG.test(slug)) throw new InvalidInput(`collection path segment "${slug}" must be letters, digits, ".", "_" or "-"`);
  const owner = await store.db.user.findUnique({ where: { id: input.ownerId }, select: { id: true } });
  if (!owner) throw new NotFound(`no user ${input.ownerId}`);
  try {
    return await store.db.$transaction(async (tx) => {
      const collection = await tx.collection.create({
        data: {
          ownerId: input.ownerId,
          slug,
          name: input.name.trim(),
          description: input.description ?? '',
          color: input.color ?? null,
          timeZone: input.timeZone ?? 'UTC',
          components: (input.components ?? COMPONENTS).join(','),
          members: { create: { userId: input.ownerId, role: 'owner' } },
        },
        select: FIELDS,
      });
      await recordAudit(tx, ctx, { action: 'collection.create', targetType: 'collection', targetId: collection.id, detail: collection.name });
      return collection;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`a collection at "${slug}" already exists for this owner`, 'resource-exists');
    throw err;
  }
}

/** The collection if the user may see it; NotFound otherwise. */
export async function getCollection(store: Store, userId: bigint, collectionId: bigint): Promise<CollectionWithRole> {
  const role = await requireRead(store.db, userId, collectionId);
  const collection = await store.db.collection.findUnique({ where: { id: collectionId }, select: FIELDS });
  if (!collection) throw new NotFound(`no collection ${collectionId}`);
  return { ...collection, role };
}

/** Every collection the user owns or has been given a share of. */
export async function listCollections(store: Store, userId: bigint): Promise<CollectionWithRole[]> {
  const rows = await store.db.collectionMember.findMany({
    where: { userId },
    select: { role: true, collection: { select: FIELDS } },
    orderBy: { collectionId: 'asc' },
  });
  return rows.map((r) => ({ ...r.collection, role: r.role }));
}

export async function updateCollection(
  store: Store,
  userId: bigint,
  collectionId: bigint,
  changes: { name?: string; description?: string; color?: string | null; timeZone?: string },
  ctx: AuditContext,
): Promise<Collection> {
  validate(changes);
  return store.db.$transaction(async (tx) => {
    await requireOwner(tx, userId, collectionId);
    const updated = await tx.collection.update({
      where: { id: collectionId },
      data: { ...changes, name: changes.name?.trim() },
      select: FIELDS,
    });
    await recordAudit(tx, ctx, { action: 'collection.update', targetType: 'collection', targetId: collectionId, detail: Object.keys(changes).join(',') });
    return updated;
  });
}

/** Gives `email` the role on the collection (or changes it). Only the owner (or the operator) may share. */
export async function shareCollection(
  store: Store,
  actor: Actor,
  collectionId: bigint,
  email: string,
  role: 'editor' | 'viewer',
  ctx: AuditContext,
): Promise<{ userId: bigint; role: Role }> {
  if (role !== 'editor' && role !== 'viewer') throw new InvalidInput(`role must be editor or viewer, got "${String(role)}"`);
  const normalized = normalizeEmail(email);
  return store.db.$transaction(async (tx) => {
    const ownerId = await requireOwnerOrOperator(tx, actor, collectionId);
    const sharee = await tx.user.findUnique({ where: { email: normalized }, select: { id: true } });
    if (!sharee) throw new NotFound(`no user with email ${normalized}`);
    if (sharee.id === ownerId) throw new InvalidInput('the owner already has every right on the collection');
    // A new member hears only of changes from now on (alerts, digests, webhooks);
    // a change of role keeps the membership, and where it started.
    const { changePosition } = await tx.collection.findUniqueOrThrow({ where: { id: collectionId }, select: { changePosition: true } });
    await tx.collectionMember.upsert({
      where: { collectionId_userId: { collectionId, userId: sharee.id } },
      create: { collectionId, userId: sharee.id, role, joinedAtPosition: changePosition },
      update: { role },
    });
    await recordAudit(tx, ctx, { action: 'collection.share', targetType: 'collection', targetId: collectionId, detail: `${normalized}:${role}` });
    return { userId: sharee.id, role };
  });
}

export async function unshareCollection(store: Store, ownerUserId: bigint, collectionId: bigint, email: string, ctx: AuditContext): Promise<void> {
  const normalized = normalizeEmail(email);
  await store.db.$transaction(async (tx) => {
    await requireOwner(tx, ownerUserId, collectionId);
    const sharee = await tx.user.findUnique({ where: { email: normalized }, select: { id: true } });
    if (!sharee || sharee.id === ownerUserId) throw new NotFound(`${normalized} has no share of collection ${collectionId}`);
    const { count } = await tx.collectionMember.deleteMany({ where: { collectionId, userId: sharee.id } });
    if (count === 0) throw new NotFound(`${normalized} has no share of collection ${collectionId}`);
    await recordAudit(tx, ctx, { action: 'collection.unshare', targetType: 'collection', targetId: collectionId, detail: normalized });
  });
}

/** Deletes the collection with its items and change log; frees the owner's quota. */
export async function deleteCollection(store: Store, userId: bigint, collectionId: bigint, ctx: AuditContext): Promise<void> {
  await store.db.$transaction(async (tx) => {
    await requireOwner(tx, userId, collectionId);
    const collection = await tx.collection.findUniqueOrThrow({ where: { id: collectionId }, select: { ownerId: true } });
    const sum = await tx.item.aggregate({ where: { collectionId }, _sum: { sizeBytes: true } });
    const freed = BigInt(sum._sum.sizeBytes ?? 0);
    await tx.collection.delete({ where: { id: collectionId } });
    if (freed > 0n) await tx.user.update({ where: { id: collection.ownerId }, data: { usedBytes: { decrement: freed } } });
    await recordAudit(tx, ctx, { action: 'collection.delete', targetType: 'collection', targetId: collectionId });
  });
}
