// XML namespaces of WebDAV and its extensions, and the prefixes Tidings
// writes them with.
export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
/** Apple/CalendarServer: getctag. */
export const CALENDARSERVER = 'http://calendarserver.org/ns/';
/** Apple iCal: calendar-color, calendar-order. */
export const APPLE_ICAL = 'http://apple.com/ns/ical/';
/** Tidings' own: the human-readable message inside DAV:error bodies. */
export const TIDINGS = 'urn:x-tidings:dav';

export const PREFIXES: Record<string, string> = {
  [DAV]: 'd',
  [CALDAV]: 'c',
  [CALENDARSERVER]: 'cs',
  [APPLE_ICAL]: 'ical',
  [TIDINGS]: 't',
};

/** "{namespace}name" (Clark notation), the key of property tables. */
export function clark(ns: string, name: string): string {
  return `{${ns}}${name}`;
}
