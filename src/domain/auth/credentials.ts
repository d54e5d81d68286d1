// Who is logging in: a user's own password or one of their app passwords.
// Hashing is slow on purpose (argon2id); the login verifier (login.ts) caches
// a success briefly and re-checks the credentials generation (generation.ts)
// on every cached hit.
import type { Store } from '../../store/index.ts';
import { normalizeEmail } from '../accounts.ts';
import { appPasswordParts } from '../app-password-format.ts';
import { checkAgainstNothing, checkSecret } from './passwords.ts';

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
    await checkAgainstNothing(secret);
    return { ok: false, reason: 'invalid' };
  }
  const user = await store.db.user.findUnique({
    where: { email: normalized },
    select: { id: true, email: true, passwordHash: true, disabledAt: true, credentialsGeneration: true },
  });
  if (!user) {
    await checkAgainstNothing(secret);
    return { ok: false, reason: 'invalid' };
  }
  let method: AuthenticatedUser['method'] | null = null;
  let appPasswordId: bigint | null = null;
  const parts = appPasswordParts(secret);
  if (parts) {
    const app = await store.db.appPassword.findUnique({ where: { userId_prefix: { userId: user.id, prefix: parts.prefix } }, select: { id: true, hash: true } });
    if (app && (await checkSecret(app.hash, parts.normalized))) {
      method = 'app-password';
      appPasswordId = app.id;
    }
  }
  if (!method && (await checkSecret(user.passwordHash, secret))) method = 'password';
  if (!method) return { ok: false, reason: 'invalid' };
  if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
  if (appPasswordId !== null) {
    await store.db.appPassword.updateMany({ where: { id: appPasswordId }, data: { lastUsedAt: new Date() } });
  }
  return { ok: true, user: { id: user.id, email: user.email, credentialsGeneration: user.credentialsGeneration, method, appPasswordId } };
}
