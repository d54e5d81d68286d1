// Typed domain errors. Each protocol adapter maps these to its own meaning
// in one place (SMTP reply codes, DAV statuses, RFC 9457 problems); match
// them with instanceof, never by name or message text.

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Missing, or not visible to the caller: tenants never learn what exists. */
export class NotFound extends DomainError {}

/** Visible to the caller, but the caller's role does not allow this. */
export class Forbidden extends DomainError {}

/** A stale ETag or version: the write was refused and changed nothing. */
export class PreconditionFailed extends DomainError {}

/** The owner's quota would be exceeded. */
export class QuotaExceeded extends DomainError {}

/** The caller's own input is wrong; the message says why. */
export class InvalidInput extends DomainError {
  constructor(
    message: string,
    /** A machine-readable reason, e.g. a CalDAV precondition name. */
    readonly reason: string = 'invalid-input',
  ) {
    super(message);
  }
}

/** The write conflicts with existing state (duplicate email, UID in use). */
export class Conflict extends DomainError {
  constructor(
    message: string,
    readonly reason: string = 'conflict',
  ) {
    super(message);
  }
}
