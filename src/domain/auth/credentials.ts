// Who is logging in: a user's own password or one of their app passwords.
// Hashing is slow on purpose (argon2id); adapters cache a success briefly and
// check `credentialsGeneration` on every cached hit, which password changes,
// app-password revocations and disabling bump, so a cache never outlives them
// on any instance.
import { verify } from '@node-rs/argon2';
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import type { Prisma } from '../store/prisma.ts';
import { hashPassword, normalizeEmail } from './accounts.ts';
import { appPasswordParts } from './app-password-format.ts';

export interface AuthenticatedUser {
  id: bigint;
  email: string;
  credentialsGeneration: number;
  method: 'password' | 'app-password';
  appPasswordId: bigint | null;
}

export type Authentication =
  | { ok: true; user: AuthenticatedUser }
  /** `disabled`: the secret was right but the account is disabled (HTTP 403, not 401). */
  | { ok: false; reason: 'invalid' | 'disabled' };

let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(Math.random().toString(36));
  return dummy;
}

async function check(hash: string, secret: string): Promise<boolean> {
  return verify(hash, secret).catch(() => false);
}

/**
 * Verifies `secret` for `email`. An app password is tried first when the
 * secret has its shape (one hash: its public prefix finds the row), then the
 * account password. Unknown emails pay for a hash too, so timing does not
 * tell which accounts exist.
 */
export async function authenticate(store: Store, email: string, secret: string): Promise<Authentication> {
  let normalized: string;
  try {
    normalized = normalizeEmail(email);
  } catch {
    await check(await dummyHash(), secret);
    return { ok: false, reason: 'invalid' };
  }
  const user = await store.db.user.findUnique({
    where: { email: normalized },
    select: { id: true, email: true, passwordHash: true, disabledAt: true, credentialsGeneration: true },
  });
  if (!user) {
    await check(await dummyHash(), secret);
    return { ok: false, reason: 'invalid' };
  }
  let method: AuthenticatedUser['method'] | null = null;
  let appPasswordId: bigint | null = null;
  const parts = appPasswordParts(secret);
  if (parts) {
    const app = await store.db.appPassword.findUnique({ where: { userId_prefix: { userId: user.id, prefix: parts.prefix } }, select: { id: true, hash: true } });
    if (app && (await check(app.hash, parts.normalized))) {
      method = 'app-password';
      appPasswordId = app.id;
    }
  }
  if (!method && (await check(user.passwordHash, secret))) method = 'password';
  if (!method) return { ok: false, reason: 'invalid' };
  if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
  if (appPasswordId !== null) {
    await store.db.appPassword.updateMany({ where: { id: appPasswordId }, data: { lastUsedAt: new Date() } });
  }
  return { ok: true, user: { id: user.id, email: user.email, credentialsGeneration: user.credentialsGeneration, method, appPasswordId } };
}

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
