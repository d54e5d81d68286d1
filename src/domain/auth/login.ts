// The one login rule, for every adapter that takes a user name and a secret
// (CalDAV and the JSON API over HTTP Basic today; SMTP AUTH, sessions and the
// web UI's sign-in later): lockout first, then the verified-login cache, then
// the hash.
//
// Failed logins are counted per account and per client address in the
// database (every instance counts together). While either count is over its
// limit the login is refused before anything else is looked at: no cache, no
// hash, for every password alike. A cached right password that passed while
// wrong ones were refused told an attacker that a guess was right; now a
// locked login answers the same, and does the same work, whatever the secret.
//
// argon2id is slow on purpose, so a verified login is cached for a short time
// in this process under an HMAC of the credentials (never the password
// itself, and the key is random per process). Each cached hit re-reads the
// user's credentials generation and disabled flag (one primary-key read), so a
// password change, app-password revocation or disable ends the cached login at
// once on every instance.
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Store } from '../../store/index.ts';
import { isOverLimit, limiterKey, mysqlLimiter } from '../../store/rate-limits.ts';
import { authenticate, type AuthenticatedUser } from './credentials.ts';
import { credentialsState } from './generation.ts';

export interface Credentials {
  username: string;
  password: string;
}

export type LoginResult =
  | { ok: true; user: AuthenticatedUser }
  /** `missing`: no credentials; `invalid`: wrong name or secret; `disabled`: right secret, disabled account. */
  | { ok: false; refusal: 'missing' | 'invalid' | 'disabled' }
  | { ok: false; refusal: 'locked'; retryAfterSeconds: number };

export type LoginConfig = Pick<Config, 'authCacheSeconds' | 'loginFailuresPerUser' | 'loginFailuresPerAddress' | 'loginFailureWindowSeconds'>;

interface CachedLogin {
  user: AuthenticatedUser;
  expiresAt: number;
}

const MAX_CACHED = 10_000;

export class LoginVerifier {
  private readonly cache = new Map<string, CachedLogin>();
  private readonly cacheKey = randomBytes(32);
  private readonly perUser;
  private readonly perAddress;

  constructor(
    private readonly store: Store,
    private readonly config: LoginConfig,
  ) {
    this.perUser = mysqlLimiter(store, 'login-user', config.loginFailuresPerUser, config.loginFailureWindowSeconds);
    this.perAddress = mysqlLimiter(store, 'login-addr', config.loginFailuresPerAddress, config.loginFailureWindowSeconds);
  }

  async verify(credentials: Credentials | null, clientAddress: string): Promise<LoginResult> {
    if (!credentials) return { ok: false, refusal: 'missing' };
    const userKey = limiterKey(credentials.username.trim().toLowerCase());
    const addressKey = limiterKey(clientAddress);

    const [byUser, byAddress] = await Promise.all([this.perUser.get(userKey), this.perAddress.get(addressKey)]);
    if ((byUser?.consumedPoints ?? 0) >= this.config.loginFailuresPerUser || (byAddress?.consumedPoints ?? 0) >= this.config.loginFailuresPerAddress) {
      // The whole window, not the time left of it: the answer then depends on
      // the lock alone, never on the moment or the password it is asked with.
      return { ok: false, refusal: 'locked', retryAfterSeconds: this.config.loginFailureWindowSeconds };
    }

    const key = createHmac('sha256', this.cacheKey).update(credentials.username.toLowerCase()).update('\0').update(credentials.password).digest('base64url');
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) {
      const state = await credentialsState(this.store, cached.user.id);
      if (state && state.credentialsGeneration === cached.user.credentialsGeneration) {
        if (state.disabled) return { ok: false, refusal: 'disabled' };
        return { ok: true, user: cached.user };
      }
    }
    this.cache.delete(key);

    const outcome = await authenticate(this.store, credentials.username, credentials.password);
    if (!outcome.ok) {
      // The right password for a disabled account is not a guess: it is not counted.
      if (outcome.reason === 'disabled') return { ok: false, refusal: 'disabled' };
      await Promise.all([this.perUser.penalty(userKey, 1), this.perAddress.penalty(addressKey, 1)]).catch((err: unknown) => {
        if (!isOverLimit(err)) throw err;
      });
      return { ok: false, refusal: 'invalid' };
    }
    if (this.config.authCacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { user: outcome.user, expiresAt: Date.now() + this.config.authCacheSeconds * 1000 });
    }
    return { ok: true, user: outcome.user };
  }
}
