// Named limits and protocol strings, shared by code and tests.

/** Largest calendar object accepted (CalDAV max-resource-size). */
export const MAX_ITEM_BYTES = 1024 * 1024;

/** Instances walked to find where a bounded recurrence ends. */
export const MAX_RECURRENCE_EXPANSION = 20_000;

/** Default quota for new users: 100 MiB. */
export const DEFAULT_QUOTA_BYTES = 100n * 1024n * 1024n;

/** Random bits in a submission address's local part (at least 64 required). */
export const ADDRESS_RANDOM_BITS = 80;

/** Minimum password length for accounts. */
export const MIN_PASSWORD_LENGTH = 8;

export const MEMBER_ROLES = ['owner', 'editor', 'viewer'] as const;
export const SENDER_POLICIES = ['owner', 'members', 'allowlist', 'anyone'] as const;
export const ITEM_MODES = ['auto', 'event', 'task', 'note'] as const;
export const ITEM_ORIGINS = ['caldav', 'email', 'web', 'api'] as const;

// Limits on an XML request body (PROPFIND, REPORT, PROPPATCH, MKCALENDAR),
// checked while the parser streams, before anything is built: no body within
// the size limit can hold the event loop (src/dav/xml/parse.ts).
/** Nesting depth; real CalDAV bodies (a calendar-query filter) nest about 8 deep. */
export const MAX_XML_DEPTH = 64;
/** Elements in one body; a calendar-multiget of the body size limit's worth of hrefs stays under it. */
export const MAX_XML_ELEMENTS = 20_000;
/** Attributes on one element, namespace declarations included. */
export const MAX_XML_ATTRIBUTES = 64;
/** One text or attribute value (413 beyond); a VTIMEZONE in calendar-timezone is a few KB. */
export const MAX_XML_VALUE_BYTES = 64 * 1024;
