// Reading the modelled collection properties out of PROPPATCH, MKCALENDAR
// and extended MKCOL bodies into collection fields.
import { InvalidInput } from '../../domain/errors.ts';
import { resolveTzid } from '../../domain/timezones.ts';
import type { CollectionField } from '../props/definitions.ts';
import { textOf, type XmlElement } from '../xml/parse.ts';

/**
 * CALDAV:calendar-timezone carries a whole VCALENDAR (RFC 4791 5.2.2); the
 * collection keeps the IANA zone its TZID means (Windows names included).
 */
export function zoneFromCalendarTimezone(text: string): string {
  const m = /^TZID(?:;[^:\r\n]*)?:(.+)$/m.exec(text.replace(/\r\n[ \t]/g, ''));
  if (!m) throw new InvalidInput('calendar-timezone holds no VTIMEZONE with a TZID', 'valid-calendar-data');
  const zone = resolveTzid(m[1]!.trim());
  if (!zone) throw new InvalidInput(`unknown time zone "${m[1]!.trim()}"`, 'valid-calendar-data');
  return zone;
}

/** The field value a set (element) or remove (null) means. */
export function fieldValue(field: CollectionField, prop: XmlElement | null, slug: string): string | null {
  const text = prop ? textOf(prop).trim() : null;
  switch (field) {
    case 'name':
      // A collection always has a name: removing it falls back to its path segment.
      return text || slug;
    case 'description':
      return text ?? '';
    case 'color':
      if (!text) return null;
      if (!/^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/.test(text)) throw new InvalidInput(`colour must look like #RRGGBB or #RRGGBBAA, got "${text}"`);
      return text;
    case 'timeZone':
      return text ? zoneFromCalendarTimezone(text) : 'UTC';
  }
}
