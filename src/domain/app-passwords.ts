// App passwords: one per calendar client, so a lost phone is revoked without
// changing the account password. Shown once at creation; only the argon2id
// hash is kept. Revoking bumps the user's credentials generation, which drops
// every cached login at once (auth/generation.ts).
import type { Store } from '../store/index.ts';
import { generateAppPassword } from './app-password-format.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { bumpCredentialsGeneration } from './auth/generation.ts';
import { hashPassword } from './auth/passwords.ts';
import { InvalidInput, NotFound } from './errors.ts';
import { isUniqueViolation } from './prisma-errors.ts';

export interface AppPasswordInfo {
  id: bigint;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface NewAppPassword extends AppPasswordInfo {
  /** The password itself: shown to the user once, never stored. */
  password: string;
}

const MAX_PER_USER = 100;

export async function createAppPassword(store: Store, userId: bigint, label: string, ctx: AuditContext): Promise<NewAppPassword> {
  const trimmed = label.trim();
  if (trimmed === '' || trimmed.length > 100) throw new InvalidInput('an app password label must be 1 to 100 characters');
  const count = await store.db.appPassword.count({ where: { userId } });
  if (count >= MAX_PER_USER) throw new InvalidInput(`at most ${MAX_PER_USER} app passwords per user; revoke one first`);
  // A prefix clash with another of the user's app passwords is a 1-in-10^9 event: try again.
  for (let attempt = 0; ; attempt++) {
    const generated = generateAppPassword();
    const hash = await hashPassword(generated.normalized);
    try {
      const row = await store.db.$transaction(async (tx) => {
        const created = await tx.appPassword.create({
          data: { userId, label: trimmed, prefix: generated.prefix, hash },
          select: { id: true, label: true, createdAt: true, lastUsedAt: true },
        });
        await recordAudit(tx, ctx, { action: 'app-password.create', targetType: 'user', targetId: userId, detail: `${created.id}:${trimmed}` });
        return created;
      });
      return { ...row, password: generated.password };
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}

export async function listAppPasswords(store: Store, userId: bigint): Promise<AppPasswordInfo[]> {
  return store.db.appPassword.findMany({ where: { userId }, select: { id: true, label: true, createdAt: true, lastUsedAt: true }, orderBy: { id: 'asc' } });
}

export async function revokeAppPassword(store: Store, userId: bigint, id: bigint, ctx: AuditContext): Promise<void> {
  await store.db.$transaction(async (tx) => {
    const { count } = await tx.appPassword.deleteMany({ where: { id, userId } });
    if (count === 0) throw new NotFound(`no app password ${id} for this user`);
    await bumpCredentialsGeneration(tx, userId);
    await recordAudit(tx, ctx, { action: 'app-password.revoke', targetType: 'user', targetId: userId, detail: String(id) });
  });
}
