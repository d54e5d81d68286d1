// The credentials generation: a counter on the user that password changes,
// app-password revocations and disabling bump. A cached login remembers the
// generation it was verified at and is re-checked against it on every use, so
// no cache outlives a change of credentials on any instance.
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../../store/index.ts';
import type { Prisma } from '../../store/prisma.ts';

export interface CredentialsState {
  credentialsGeneration: number;
  disabled: boolean;
}

/** What a cached login must re-check on every request: one primary-key read on mysql2. */
export async function credentialsState(store: Store, userId: bigint): Promise<CredentialsState | null> {
  const [rows] = await store.pool.execute<RowDataPacket[]>('SELECT credentialsGeneration, disabledAt FROM users WHERE id = ?', [String(userId)]);
  const row = rows[0];
  if (!row) return null;
  return { credentialsGeneration: Number(row.credentialsGeneration), disabled: row.disabledAt !== null };
}

/** Invalidates every cached login of the user, on every instance. Call inside the changing transaction. */
export async function bumpCredentialsGeneration(tx: Prisma.TransactionClient, userId: bigint): Promise<void> {
  await tx.user.update({ where: { id: userId }, data: { credentialsGeneration: { increment: 1 } } });
}
