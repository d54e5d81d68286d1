// RFC 9457 problem details for the JSON API, and the one mapping of domain
// errors to HTTP statuses for it.
import type { Response } from 'express';
import { Conflict, DomainError, Forbidden, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from '../../domain/errors.ts';

export function problem(res: Response, status: number, title: string, detail?: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set(headers)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) }));
}

/** Sends the problem a domain error means; false when `err` is not a domain error. */
export function sendDomainProblem(res: Response, err: unknown): boolean {
  if (!(err instanceof DomainError)) return false;
  const status =
    err instanceof NotFound ? 404
    : err instanceof Forbidden ? 403
    : err instanceof PreconditionFailed || err instanceof Conflict ? 409
    : err instanceof QuotaExceeded ? 507
    : err instanceof InvalidInput ? 400
    : 400;
  problem(res, status, err.name, err.message);
  return true;
}
