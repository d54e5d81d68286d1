// What the read-back table compares: each calendar component reduced to what
// a user would notice if it changed (kind, UID, RECURRENCE-ID, start and end
// as UTC instants, summary, nested components such as VALARM), and the
// RFC 5545 3.2.19 rule that every TZID used has its VTIMEZONE. Times are
// turned into instants here, independently of the server's own resolver:
// through the VTIMEZONE the data carries, else the IANA zone the TZID names
// (Intl), so a missing VTIMEZONE shows as that one failure, not as wrong times.
import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

const ITEM_KINDS = new Set(['vevent', 'vtodo', 'vjournal']);

export function parseCalendar(text: string): Component {
  const jcal = ICAL.parse(text) as unknown[];
  const calendar = new ICAL.Component(Array.isArray(jcal[0]) ? (jcal[0] as unknown[]) : jcal);
  if (calendar.name !== 'vcalendar') throw new Error(`expected VCALENDAR, got ${calendar.name}`);
  return calendar;
}

/** The offset (ms) of an IANA zone from UTC at an instant. */
function ianaOffsetMs(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - at;
}

function isIana(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

class Instants {
  private readonly zones = new Map<string, InstanceType<typeof ICAL.Timezone>>();

  constructor(calendar: Component) {
    for (const z of calendar.getAllSubcomponents('vtimezone')) this.zones.set(String(z.getFirstPropertyValue('tzid')), new ICAL.Timezone(z));
  }

  /** "2026-12-03T09:00:00Z" for a point in time, "2026-12-25" for a date, "floating 2026-…" for a floating time. */
  of(prop: InstanceType<typeof ICAL.Property> | null): string {
    if (!prop) return '-';
    const t = prop.getFirstValue() as Time;
    if (t.isDate) return `${t.year}-${pad(t.month)}-${pad(t.day)}`;
    const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    const tzid = prop.getParameter('tzid');
    if (typeof tzid !== 'string') {
      return t.zone?.tzid === 'UTC' ? iso(wall) : `floating ${iso(wall).slice(0, -1)}`;
    }
    const vtz = this.zones.get(tzid);
    if (vtz) {
      // utcOffset reads the wall-clock fields of the time it is given.
      return iso(wall - vtz.utcOffset(t) * 1000);
    }
    if (isIana(tzid)) {
      const guess = wall - ianaOffsetMs(tzid, wall);
      return iso(wall - ianaOffsetMs(tzid, guess));
    }
    return `unresolvable TZID "${tzid}"`;
  }

  end(c: Component, start: string): string {
    const end = c.getFirstProperty(c.name === 'vtodo' ? 'due' : 'dtend');
    if (end) return this.of(end);
    const duration = c.getFirstPropertyValue('duration');
    if (duration instanceof ICAL.Duration && /Z$/.test(start)) return iso(Date.parse(start) + duration.toSeconds() * 1000);
    return '-';
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** One line per VEVENT/VTODO/VJOURNAL with the UID `uid`, sorted. */
export function componentSignatures(calendar: Component, uid: string): string[] {
  const instants = new Instants(calendar);
  return calendar
    .getAllSubcomponents()
    .filter((c) => ITEM_KINDS.has(c.name) && String(c.getFirstPropertyValue('uid')) === uid)
    .map((c) => {
      const start = instants.of(c.getFirstProperty('dtstart'));
      const nested = c.getAllSubcomponents().map((s) => s.name.toUpperCase());
      return [
        c.name.toUpperCase(),
        `rid=${instants.of(c.getFirstProperty('recurrence-id'))}`,
        `start=${start}`,
        `end=${instants.end(c, start)}`,
        `summary=${String(c.getFirstPropertyValue('summary') ?? '')}`,
        ...(nested.length ? [`[${nested.join(',')}]`] : []),
      ].join(' ');
    })
    .sort();
}

/**
 * TZIDs that the components with UID `uid` use (nested ones too) and that no
 * VTIMEZONE in the calendar defines (RFC 5545 3.2.19). Only that item's: a
 * feed holds the whole collection, and another item's fault is its own row's.
 */
export function tzidsWithoutVtimezone(calendar: Component, uid: string): string[] {
  const defined = new Set(calendar.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  const missing = new Set<string>();
  const walk = (c: Component) => {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid === 'string' && !defined.has(tzid)) missing.add(tzid);
    }
    for (const s of c.getAllSubcomponents()) walk(s);
  };
  for (const c of calendar.getAllSubcomponents()) if (ITEM_KINDS.has(c.name) && String(c.getFirstPropertyValue('uid')) === uid) walk(c);
  return [...missing].map((t) => JSON.stringify(t));
}
