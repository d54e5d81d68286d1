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

// Limits on calendar data, checked on every write (src/domain/calendar-limits.ts)
// before anything is stored: no object within them can hold the event loop
// when it is written, read, expanded or reminded of.
/** Components in one calendar object, VCALENDAR, VTIMEZONE parts and VALARMs included (a series with a few hundred exceptions fits). */
export const MAX_CALENDAR_COMPONENTS = 1_000;
/** Properties in one calendar object, all components together (a meeting with thousands of attendees fits). */
export const MAX_CALENDAR_PROPERTIES = 10_000;
/** Nesting: VCALENDAR > VEVENT/VTODO/VJOURNAL/VTIMEZONE > VALARM/STANDARD/DAYLIGHT (RFC 5545 3.6), nothing deeper. */
export const MAX_CALENDAR_DEPTH = 3;
/** One property's value and parameters, in UTF-8 bytes (an HTML description fits; a 1 MB blob does not). */
export const MAX_PROPERTY_VALUE_BYTES = 256 * 1024;
/**
 * Candidate dates ical.js may test while walking one component's recurrence
 * (all its RRULEs together; src/domain/recurrence.ts). ical.js searches for
 * the next instance in an unbounded loop, so a rule that never matches spins
 * forever; this bounds one walk to well under a second, and a rule that yields
 * nothing after DTSTART within it is refused. A weekday series is walked for
 * about 55 years, a "second Tuesday" series for about 90.
 */
export const MAX_RECURRENCE_STEPS = 20_000;
/** Largest COUNT in an RRULE (a daily event for 27 years). */
export const MAX_RECURRENCE_COUNT = 10_000;
/**
 * EXDATE values, and separately RDATE values, in one component. ical.js gives
 * up (with an error) after 500 consecutive excluded instances; staying at or
 * under that keeps every accepted object walkable.
 */
export const MAX_RECURRENCE_DATES = 500;

// Limits on an inbound message (src/mail/parse/): its MIME structure is
// checked in one streaming pass before anything is decoded, and a message
// beyond a structure limit is refused with 554 5.6.0. The slow text parsers
// (html-to-text, email-reply-parser, chrono-node) are handed at most a
// bounded prefix: what they produce is cut far shorter anyway (an item's
// description keeps 16,000 characters), so more input buys nothing.
/** Nesting of multiparts and attached messages; honest mail (a forward of a forward, signed) nests under 10. */
export const MAX_MIME_DEPTH = 32;
/** MIME parts in one message, attached messages' parts included. */
export const MAX_MIME_PARTS = 500;
/** One part's header block in bytes (every field counts at least 64 bytes, so at most 4,096 fields). */
export const MAX_MIME_HEADER_BYTES = 256 * 1024;
/** Header fields in one part's header block (a long Received chain with DKIM and ARC is about 100). */
export const MAX_MIME_HEADER_FIELDS = 1_000;
/** Calendar parts (text/calendar, .ics attachments, .ics inside TNEF) in one message. */
export const MAX_CALENDAR_PARTS = 32;
/** HTML characters converted to text or searched for JSON-LD; the rest is not read. */
export const MAX_HTML_TO_TEXT_CHARS = 512 * 1024;
/** Element nesting html-to-text follows; deeper content is left out. */
export const MAX_HTML_DEPTH = 64;
/** Body text characters kept from a message (before the reply and signature are cut away). */
export const MAX_BODY_TEXT_CHARS = 256 * 1024;
/** Subject characters searched for a date phrase (chrono-node). */
export const MAX_DATE_PHRASE_CHARS = 500;
/** A winmail.dat (TNEF) in bytes, and the attributes it may hold (the walk over them is linear). */
export const MAX_TNEF_BYTES = 8 * 1024 * 1024;
export const MAX_TNEF_ATTRIBUTES = 2_000;
/**
 * What node-tnef is given: only the attributes Tidings reads (attachment
 * names and calendar files, the message's MAPI properties), at most this many
 * bytes. node-tnef copies the rest of its buffer once per attribute, so its
 * time grows with bytes times attributes: 64 attributes of a 1 MiB blob took
 * 12 s here.
 */
export const MAX_TNEF_DECODE_BYTES = 64 * 1024;
