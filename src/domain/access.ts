// Who may do what with a collection. A non-member gets NotFound, never
// Forbidden: tenants must not learn that someone else's collection exists.
// Besides users there is the operator: whoever runs the `tidings` command
// on the server, who may act on any collection and see what admins see.
import type { Prisma } from '../store/prisma.ts';
import { Forbidden, NotFound } from './errors.ts';

export type Role = 'owner' | 'editor' | 'viewer';

/** The operator at the command line: acts as no user (audited with actor null, channel cli). */
export const OPERATOR = 'operator';
/** Who asks: a signed-in user (their id), or the operator. */
export type Actor = bigint | typeof OPERATOR;

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

/**
 * For acts only the owner may do: the owner's id, when the actor is the
 * owner or the operator (who acts on the owner's behalf); NotFound or
 * Forbidden otherwise.
 */
export async function requireOwnerOrOperator(tx: Reader & Pick<Prisma.TransactionClient, 'collection'>, actor: Actor, collectionId: bigint): Promise<bigint> {
  if (actor !== OPERATOR) {
    await requireOwner(tx, actor, collectionId);
    return actor;
  }
  const collection = await tx.collection.findUnique({ where: { id: collectionId }, select: { ownerId: true } });
  if (!collection) throw new NotFound(`no collection ${collectionId}`);
  return collection.ownerId;
}

/** Whether the actor sees and does what administrators do: the operator, or a user marked admin. */
export async function isAdmin(tx: Pick<Prisma.TransactionClient, 'user'>, actor: Actor): Promise<boolean> {
  if (actor === OPERATOR) return true;
  const user = await tx.user.findUnique({ where: { id: actor }, select: { isAdmin: true } });
  return user?.isAdmin === true;
}

export async function requireAdmin(tx: Pick<Prisma.TransactionClient, 'user'>, actor: Actor): Promise<void> {
  if (!(await isAdmin(tx, actor))) throw new Forbidden('administrators only');
}
