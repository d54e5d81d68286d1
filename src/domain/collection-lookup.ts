// Finding a collection as one user sees it, on mysql2: every CalDAV request
// starts here, so this is a hot path (DESIGN.md). A collection the user is
// not a member of is simply not found.
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import type { Role } from './access.ts';
import type { CollectionWithRole } from './collections.ts';

const COLUMNS = 'c.id, c.ownerId, c.slug, c.name, c.description, c.color, c.timeZone, c.components, c.changePosition, m.role';

function toCollection(row: RowDataPacket): CollectionWithRole {
  return {
    id: BigInt(row.id as string),
    ownerId: BigInt(row.ownerId as string),
    slug: row.slug as string,
    name: row.name as string,
    description: row.description as string,
    color: (row.color as string | null) ?? null,
    timeZone: row.timeZone as string,
    components: row.components as string,
    changePosition: BigInt(row.changePosition as string),
    role: row.role as Role,
  };
}

/** The user's own collection at `slug`, or null. */
export async function ownCollectionBySlug(store: Store, userId: bigint, slug: string): Promise<CollectionWithRole | null> {
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM collections c JOIN collection_members m ON m.collectionId = c.id AND m.userId = ? WHERE c.ownerId = ? AND c.slug = ?`,
    [String(userId), String(userId), slug],
  );
  return rows[0] ? toCollection(rows[0]) : null;
}

/** A collection someone else owns and shared with the user, or null. */
export async function sharedCollection(store: Store, userId: bigint, collectionId: bigint): Promise<CollectionWithRole | null> {
  const [rows] = await store.pool.execute<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM collections c JOIN collection_members m ON m.collectionId = c.id AND m.userId = ? WHERE c.id = ? AND c.ownerId <> ?`,
    [String(userId), String(collectionId), String(userId)],
  );
  return rows[0] ? toCollection(rows[0]) : null;
}

/** The user's role on the collection, or null: the access check of the mysql2 reads. */
export async function roleOnCollection(store: Store, userId: bigint, collectionId: bigint): Promise<Role | null> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT role FROM collection_members WHERE collectionId = ? AND userId = ?', [
    String(collectionId),
    String(userId),
  ]);
  return (rows[0]?.role as Role | undefined) ?? null;
}
