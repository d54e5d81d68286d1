// Who may do what with a collection. A non-member gets NotFound, never
// Forbidden: tenants must not learn that someone else's collection exists.
import type { Prisma } from '../store/prisma.ts';
import { Forbidden, NotFound } from './errors.ts';

export type Role = 'owner' | 'editor' | 'viewer';

type Reader = Pick<Prisma.TransactionClient, 'collectionMember'>;

export async function roleOf(tx: Reader, userId: bigint, collectionId: bigint): Promise<Role | null> {
  const member = await tx.collectionMember.findUnique({
    where: { collectionId_userId: { collectionId, userId } },
    select: { role: true },
  });
  return member?.role ?? null;
}

export function canWrite(role: Role): boolean {
  return role === 'owner' || role === 'editor';
}

export async function requireRead(tx: Reader, userId: bigint, collectionId: bigint): Promise<Role> {
  const role = await roleOf(tx, userId, collectionId);
  if (!role) throw new NotFound(`no collection ${collectionId}`);
  return role;
}

export async function requireWrite(tx: Reader, userId: bigint, collectionId: bigint): Promise<Role> {
  const role = await requireRead(tx, userId, collectionId);
  if (!canWrite(role)) throw new Forbidden(`your role on collection ${collectionId} (${role}) does not allow changes`);
  return role;
}

export async function requireOwner(tx: Reader, userId: bigint, collectionId: bigint): Promise<void> {
  const role = await requireRead(tx, userId, collectionId);
  if (role !== 'owner') throw new Forbidden(`only the owner of collection ${collectionId} may do this`);
}
