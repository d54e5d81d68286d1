// HTTP Basic authentication (RFC 7617) over account passwords and app
// passwords, shared by CalDAV and the JSON API.
//
// argon2id is slow on purpose, so a verified login is cached for a short time
// in this process under an HMAC of the credentials (never the password
// itself, and the key is random per process). Each cached hit re-reads the
// user's credentials generation and disabled flag (one primary-key read), so a
// password change, app-password revocation or disable ends the cached login at
// once on every instance. Failed logins are counted per account and per
// client address in the database; over the limit a client gets 429 before any
// hash is computed.
import { createHmac, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../../config.ts';
import { authenticate, credentialsState, type AuthenticatedUser } from '../../domain/credentials.ts';
import type { Store } from '../../store/index.ts';
import { isOverLimit, limiterKey, mysqlLimiter, retryAfterSeconds } from './rate-limits.ts';

export type AuthFailure =
  | { status: 401; message: string; headers: Record<string, string> }
  | { status: 403; message: string; headers: Record<string, string> }
  | { status: 429; message: string; headers: Record<string, string> };

export type AuthResult = { ok: true; user: AuthenticatedUser } | { ok: false; failure: AuthFailure };

interface CachedLogin {
  user: AuthenticatedUser;
  expiresAt: number;
}

const MAX_CACHED = 10_000;
export const REALM = 'Tidings';

function unauthorized(message: string): AuthFailure {
  return { status: 401, message, headers: { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` } };
}

/** Splits an Authorization header into Basic credentials, or null. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class LoginVerifier {
  private readonly cache = new Map<string, CachedLogin>();
  private readonly cacheKey = randomBytes(32);
  private readonly perUser;
  private readonly perAddress;

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'authCacheSeconds' | 'loginFailuresPerUser' | 'loginFailuresPerAddress' | 'loginFailureWindowSeconds'>,
  ) {
    this.perUser = mysqlLimiter(store, 'login-user', config.loginFailuresPerUser, config.loginFailureWindowSeconds);
    this.perAddress = mysqlLimiter(store, 'login-addr', config.loginFailuresPerAddress, config.loginFailureWindowSeconds);
  }

  async verify(authorization: string | undefined, clientAddress: string): Promise<AuthResult> {
    const credentials = basicCredentials(authorization);
    if (!credentials) return { ok: false, failure: unauthorized('authentication required') };
    const key = createHmac('sha256', this.cacheKey).update(credentials.username.toLowerCase()).update('\0').update(credentials.password).digest('base64url');

    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) {
      const state = await credentialsState(this.store, cached.user.id);
      if (state && state.credentialsGeneration === cached.user.credentialsGeneration) {
        if (state.disabled) return { ok: false, failure: { status: 403, message: 'this account is disabled', headers: {} } };
        return { ok: true, user: cached.user };
      }
    }
    this.cache.delete(key);

    const userKey = limiterKey(credentials.username.trim().toLowerCase());
    const addressKey = limiterKey(clientAddress);
    const [byUser, byAddress] = await Promise.all([this.perUser.get(userKey), this.perAddress.get(addressKey)]);
    for (const [res, points] of [[byUser, this.config.loginFailuresPerUser], [byAddress, this.config.loginFailuresPerAddress]] as const) {
      if (res && res.consumedPoints >= points) {
        return { ok: false, failure: { status: 429, message: 'too many failed logins; try again later', headers: { 'Retry-After': String(retryAfterSeconds(res)) } } };
      }
    }

    const outcome = await authenticate(this.store, credentials.username, credentials.password);
    if (!outcome.ok) {
      // The right password for a disabled account is not a guess: it is not counted.
      if (outcome.reason === 'disabled') return { ok: false, failure: { status: 403, message: 'this account is disabled', headers: {} } };
      await Promise.all([this.perUser.penalty(userKey, 1), this.perAddress.penalty(addressKey, 1)]).catch((err: unknown) => {
        if (!isOverLimit(err)) throw err;
      });
      return { ok: false, failure: unauthorized('wrong user name or password') };
    }
    if (this.config.authCacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { user: outcome.user, expiresAt: Date.now() + this.config.authCacheSeconds * 1000 });
    }
    return { ok: true, user: outcome.user };
  }
}

/** The client's address as the socket sees it (trust proxy is off; see app.ts). */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Express middleware: sets res.locals.user, or answers through `fail`
 * (each adapter renders its own error body).
 */
export function requireBasicAuth(verifier: LoginVerifier, fail: (res: Response, failure: AuthFailure) => void) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const result = await verifier.verify(req.headers.authorization, clientAddress(req));
    if (!result.ok) return fail(res, result.failure);
    res.locals.user = result.user;
    next();
  };
}
