// HTTP Basic authentication (RFC 7617) in front of the one login rule
// (domain/auth/login.ts), for every authenticated route of the web server:
// CalDAV and the JSON API alike. This file only translates: the header into
// credentials, the rule's refusals into statuses and headers. The composition
// (app.ts) hands the resulting login step to each router, so no adapter
// imports another to log a user in.
import type { Request } from 'express';
import type { AuthenticatedUser } from '../../domain/auth/credentials.ts';
import type { Credentials, LoginResult, LoginVerifier } from '../../domain/auth/login.ts';

const REALM = 'Tidings';

export interface AuthFailure {
  status: 401 | 403 | 429;
  message: string;
  headers: Record<string, string>;
}

export type HttpLoginResult = { ok: true; user: AuthenticatedUser } | { ok: false; failure: AuthFailure };

/** The login step of one request: the router renders a failure in its own protocol's body. */
export type HttpLogin = (req: Request) => Promise<HttpLoginResult>;

/** Splits an Authorization header into Basic credentials, or null. */
function basicCredentials(header: string | undefined): Credentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The client's address as the socket sees it (trust proxy is off; see app.ts). */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

const challenge = { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` };

function failure(result: Exclude<LoginResult, { ok: true }>): AuthFailure {
  switch (result.refusal) {
    case 'missing':
      return { status: 401, message: 'authentication required', headers: challenge };
    case 'invalid':
      return { status: 401, message: 'wrong user name or password', headers: challenge };
    case 'disabled':
      return { status: 403, message: 'this account is disabled', headers: {} };
    case 'locked':
      // RFC 6585 4: 429 may say when to come back.
      return { status: 429, message: 'too many failed logins; try again later', headers: { 'Retry-After': String(result.retryAfterSeconds) } };
  }
}

export function httpLogin(verifier: LoginVerifier): HttpLogin {
  return async (req) => {
    const result = await verifier.verify(basicCredentials(req.headers.authorization), clientAddress(req));
    return result.ok ? result : { ok: false, failure: failure(result) };
  };
}
