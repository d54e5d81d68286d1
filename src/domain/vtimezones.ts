// Every TZID a stored calendar object names is defined in it: RFC 5545
// 3.2.19 ("an individual VTIMEZONE calendar component MUST be specified for
// each unique TZID parameter value") and RFC 4791 4.1 / 5.3.2.1 (a calendar
// object resource is valid iCalendar, CALDAV:valid-calendar-data). Lenient
// clients guess a zone from the name; strict ones (and any that meet a
// Windows or vendor name) cannot. This module is the one place that rule
// lives: every write path (mail via calendar-normalize.ts and itip.ts,
// CalDAV/API via items.ts) calls addMissingVtimezones before storing.
//
// The definitions come from timezones-ical-library (vzic's output for the
// current IANA release, Apache-2.0, bundled: no network), not from code of
// our own. Like the VTIMEZONEs Outlook, Google and Apple send, each holds the
// zone's current rules; Tidings itself computes instants for known zones
// from the runtime's full IANA history (timezones.ts), so the two agree for
// any event from the last rule change on.
import ICAL from 'ical.js';
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library';
import { InvalidInput } from './errors.ts';
import { resolveTzid } from './timezones.ts';

type Component = InstanceType<typeof ICAL.Component>;

let known: Set<string> | null = null;
const blocks = new Map<string, unknown[] | null>();

/** The library's VTIMEZONE of an IANA zone, as jCal (cached), or null when it has none. */
function zoneJcal(iana: string): unknown[] | null {
  let jcal = blocks.get(iana);
  if (jcal !== undefined) return jcal;
  known ??= new Set(tzlib_get_timezones() as string[]);
  jcal = null;
  // Asking for a zone it lacks makes the library print to the console: ask only for listed ones.
  if (known.has(iana)) {
    const block = tzlib_get_ical_block(iana);
    if (Array.isArray(block) && block[0]) {
      const calendar = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${block[0]}\r\nEND:VCALENDAR\r\n`) as unknown[]);
      jcal = (calendar.getFirstSubcomponent('vtimezone')?.toJSON() as unknown[] | undefined) ?? null;
    }
  }
  blocks.set(iana, jcal);
  return jcal;
}

/**
 * The VTIMEZONE of the IANA zone `tzid` means (an IANA name, a Windows name,
 * a decorated one: timezones.ts resolveTzid) or, given, the zone `meaning`
 * names; carrying `tzid` itself as its TZID so the object's references match
 * it exactly; null when no zone is known for it.
 */
export function ianaVtimezone(tzid: string, meaning: string = tzid): Component | null {
  const iana = resolveTzid(meaning);
  if (iana === null) return null;
  const jcal = zoneJcal(iana === 'UTC' ? 'Etc/UTC' : iana);
  if (jcal === null) return null;
  const zone = new ICAL.Component(structuredClone(jcal));
  // The library names an alias by its target (Europe/Kiev -> Europe/Kyiv); the object's name is what must match.
  zone.updatePropertyWithValue('tzid', tzid);
  return zone;
}

/** Every TZID parameter value used outside VTIMEZONEs, in all components and their subcomponents (VALARM...). */
export function referencedTzids(calendar: Component): Set<string> {
  const out = new Set<string>();
  const walk = (c: Component) => {
    if (c.name === 'vtimezone') return;
    for (const prop of c.getAllProperties()) {
      const tzid = prop.getParameter('tzid');
      if (typeof tzid === 'string') out.add(tzid);
    }
    for (const sub of c.getAllSubcomponents()) walk(sub);
  };
  walk(calendar);
  return out;
}

/** The TZIDs the calendar's VTIMEZONEs define, exactly as written. */
export function definedTzids(calendar: Component): Set<string> {
  return new Set(calendar.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid') ?? '')));
}

/**
 * Adds, before the first other component, the VTIMEZONE of each TZID the
 * object names but does not define; returns the TZIDs added. A client's own
 * VTIMEZONE is never replaced (RFC 4791 leaves the definition to the client).
 * A TZID that is neither defined nor the name of a known zone is refused
 * (valid-calendar-data): no definition exists to add, and guessing would
 * store an event at an instant its author never meant. (Google Calendar and
 * Fastmail behave the same way over CalDAV: a known IANA id gets its
 * VTIMEZONE, an unknown undefined one is an error. The mail path never gets
 * here with one: calendar-normalize.ts pins it to the collection's zone.)
 * `unknownAs` instead defines such a TZID as that zone, under its own name:
 * the reading Tidings always gave it (icalendar.ts), for repairing what is
 * already stored (timezone-repair.ts).
 */
export function addMissingVtimezones(calendar: Component, options: { unknownAs?: string } = {}): string[] {
  const defined = definedTzids(calendar);
  const missing = [...referencedTzids(calendar)].filter((tzid) => !defined.has(tzid));
  if (missing.length === 0) return [];
  const zones: Component[] = [];
  for (const tzid of missing) {
    const zone = ianaVtimezone(tzid) ?? (options.unknownAs ? ianaVtimezone(tzid, options.unknownAs) : null);
    if (!zone) {
      throw new InvalidInput(`TZID "${tzid}" is neither defined by a VTIMEZONE in the object nor a known time zone (RFC 5545 3.2.19)`, 'valid-calendar-data');
    }
    zones.push(zone);
  }
  // VTIMEZONEs first, as every client writes them (and as RFC 5545 3.6.5's examples do).
  const others = calendar.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  for (const c of others) calendar.removeSubcomponent(c);
  for (const zone of zones) calendar.addSubcomponent(zone);
  for (const c of others) calendar.addSubcomponent(c);
  return missing;
}
