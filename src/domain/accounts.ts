// Users: creation with an argon2id password hash, lookup, disable/enable.
import { DEFAULT_QUOTA_BYTES, MIN_PASSWORD_LENGTH } from '../consts.ts';
import type { Store } from '../store/index.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { bumpCredentialsGeneration } from './auth/generation.ts';
import { hashPassword } from './auth/passwords.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { isUniqueViolation } from './prisma-errors.ts';
import { isIanaZone } from './timezones.ts';

export interface User {
  id: bigint;
  email: string;
  displayName: string;
  isAdmin: boolean;
  disabledAt: Date | null;
  timeZone: string;
  quotaBytes: bigint;
  usedBytes: bigint;
}

const USER_FIELDS = {
  id: true,
  email: true,
  displayName: true,
  isAdmin: true,
  disabledAt: true,
  timeZone: true,
  quotaBytes: true,
  usedBytes: true,
} as const;

// Deliberately simple: one @, no spaces, a dotted domain. Full RFC 5321
// validation belongs to the mail path, not account creation.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL.test(normalized) || normalized.length > 254) throw new InvalidInput(`not an email address: "${email}"`);
  return normalized;
}

export interface NewUser {
  email: string;
  password: string;
  displayName?: string;
  isAdmin?: boolean;
  timeZone?: string;
  quotaBytes?: bigint;
}

export async function createUser(store: Store, input: NewUser, ctx: AuditContext): Promise<User> {
  const email = normalizeEmail(input.email);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const timeZone = input.timeZone ?? 'UTC';
  if (!isIanaZone(timeZone)) throw new InvalidInput(`unknown time zone "${timeZone}"`);
  if (input.quotaBytes !== undefined && input.quotaBytes < 0n) throw new InvalidInput('quota must not be negative');
  const passwordHash = await hashPassword(input.password);
  try {
    return await store.db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          email,
          passwordHash,
          displayName: (input.displayName ?? '').slice(0, 200),
          isAdmin: input.isAdmin ?? false,
          timeZone,
          quotaBytes: input.quotaBytes ?? DEFAULT_QUOTA_BYTES,
        },
        select: USER_FIELDS,
      });
      await recordAudit(tx, ctx, { action: 'user.create', targetType: 'user', targetId: user.id, detail: email });
      return user;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`a user with email ${email} already exists`, 'duplicate-email');
    throw err;
  }
}

export async function findUserByEmail(store: Store, email: string): Promise<User | null> {
  return store.db.user.findUnique({ where: { email: normalizeEmail(email) }, select: USER_FIELDS });
}

export async function requireUserByEmail(store: Store, email: string): Promise<User> {
  const user = await findUserByEmail(store, email);
  if (!user) throw new NotFound(`no user with email ${email.trim().toLowerCase()}`);
  return user;
}

export async function getUser(store: Store, id: bigint): Promise<User> {
  const user = await store.db.user.findUnique({ where: { id }, select: USER_FIELDS });
  if (!user) throw new NotFound(`no user ${id}`);
  return user;
}

export async function setUserDisabled(store: Store, email: string, disabled: boolean, ctx: AuditContext): Promise<User> {
  const target = await requireUserByEmail(store, email);
  return store.db.$transaction(async (tx) => {
    const user = await tx.user.update({
      where: { id: target.id },
      data: { disabledAt: disabled ? (target.disabledAt ?? new Date()) : null },
      select: USER_FIELDS,
    });
    // Cached logins end at once on every instance (auth/generation.ts).
    if (disabled) await bumpCredentialsGeneration(tx, user.id);
    await recordAudit(tx, ctx, { action: disabled ? 'user.disable' : 'user.enable', targetType: 'user', targetId: user.id, detail: user.email });
    return user;
  });
}

/** Replaces the account password; cached logins with the old one end at once. */
export async function setPassword(store: Store, email: string, password: string, ctx: AuditContext): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new InvalidInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const target = await requireUserByEmail(store, email);
  const passwordHash = await hashPassword(password);
  await store.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { passwordHash } });
    await bumpCredentialsGeneration(tx, target.id);
    await recordAudit(tx, ctx, { action: 'user.password', targetType: 'user', targetId: target.id, detail: target.email });
  });
}
