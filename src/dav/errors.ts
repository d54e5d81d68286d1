// DAV errors, and the one place where domain errors get their DAV meaning: a
// status and, for preconditions, the element a DAV:error body names
// (RFC 4918 16, RFC 4791 1.3, RFC 6578 3.8, RFC 4331 6). Errors are matched
// with instanceof and their machine-readable reason, never by message text.
import { Conflict, DomainError, Forbidden, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from '../domain/errors.ts';
import { isUnreachable } from '../store/connection-errors.ts';
import { el } from './xml/multistatus.ts';
import { CALDAV, DAV } from './xml/names.ts';
import type { XmlElement } from './xml/parse.ts';

export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The precondition or postcondition element of the DAV:error body. */
    readonly condition: XmlElement | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DavError';
  }
}

/** CalDAV preconditions the domain reports as InvalidInput/Conflict reasons, with their status. */
const PRECONDITIONS: Record<string, { status: number; ns: string }> = {
  'valid-calendar-data': { status: 403, ns: CALDAV },
  'valid-calendar-object-resource': { status: 403, ns: CALDAV },
  'supported-calendar-component': { status: 403, ns: CALDAV },
  'supported-calendar-data': { status: 403, ns: CALDAV },
  'max-resource-size': { status: 403, ns: CALDAV },
  'no-uid-conflict': { status: 409, ns: CALDAV },
  'valid-sync-token': { status: 403, ns: DAV },
};

export interface ErrorContext {
  method: string;
  href: string;
}

/** The privilege a method needs, for DAV:need-privileges (RFC 3744 7.1.1). */
function privilegeFor(method: string): string {
  switch (method) {
    case 'PUT':
    case 'COPY':
    case 'MOVE':
      return 'write-content';
    case 'DELETE':
      return 'unbind';
    case 'PROPPATCH':
      return 'write-properties';
    case 'MKCALENDAR':
    case 'MKCOL':
      return 'bind';
    default:
      return 'read';
  }
}

export function needPrivileges(href: string, privilege: string): XmlElement {
  return el(DAV, 'need-privileges', el(DAV, 'resource', el(DAV, 'href', href), el(DAV, 'privilege', el(DAV, privilege))));
}

/** The DavError a thrown value means; null for a failure that is the server's own (logged, 500). */
export function toDavError(err: unknown, ctx: ErrorContext): DavError | null {
  if (err instanceof DavError) return err;
  if (err instanceof DomainError) {
    if (err instanceof NotFound) return new DavError(404, err.message);
    if (err instanceof Forbidden) return new DavError(403, err.message, needPrivileges(ctx.href, privilegeFor(ctx.method)));
    if (err instanceof PreconditionFailed) return new DavError(412, err.message);
    if (err instanceof QuotaExceeded) return new DavError(507, err.message, el(DAV, 'quota-not-exceeded'));
    if (err instanceof InvalidInput || err instanceof Conflict) {
      const pre = PRECONDITIONS[err.reason];
      if (pre) return new DavError(pre.status, err.message, el(pre.ns, err.reason));
      if (err instanceof Conflict) return new DavError(err.reason === 'resource-exists' ? 405 : 409, err.message);
      return new DavError(400, err.message);
    }
  }
  // The database is down: a temporary failure the client retries.
  if (isUnreachable(err)) return new DavError(503, 'the service is temporarily unavailable', null, { 'Retry-After': '30' });
  return null;
}
