// Parses and validates one calendar object resource (RFC 4791 4.1: one UID,
// one component type, a master and its RECURRENCE-ID overrides) with ical.js
// and extracts what the store indexes: UID, kind, summary and UTC bounds.
import ICAL from 'ical.js';
import { MAX_RECURRENCE_EXPANSION } from '../consts.ts';
import { checkCalendarContent, checkCalendarText, checkRecurrences } from './calendar-limits.ts';
import { InvalidInput } from './errors.ts';
import { RecurrenceWalk } from './recurrence.ts';

// The size check moved to calendar-limits.ts with the other limits; kept here for older importers.
export { checkItemSize } from './calendar-limits.ts';
import { resolveTzid, wallClockToUtc } from './timezones.ts';

export type ItemKind = 'VEVENT' | 'VTODO' | 'VJOURNAL';
const KINDS: readonly string[] = ['VEVENT', 'VTODO', 'VJOURNAL'];

export interface ParsedItem {
  uid: string;
  kind: ItemKind;
  summary: string;
  startUtc: Date | null;
  endUtc: Date | null;
  isRecurring: boolean;
  /** The master's user-visible fields, compared to tell what a change changed. */
  fields: Record<TrackedField, string>;
}

export const TRACKED_FIELDS = ['summary', 'start', 'end', 'location', 'description', 'recurrence', 'status'] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];

export interface ParseOptions {
  /** Zone for floating times and dates: the collection's (RFC 4791 7.3). */
  floatingZone: string;
}

export type Component = InstanceType<typeof ICAL.Component>;
export type Time = InstanceType<typeof ICAL.Time>;

const DAY_MS = 86_400_000;

/** A calendar object as a write brings it: every check of calendar-limits.ts, then its index fields. */
export function parseCalendarObject(text: string, options: ParseOptions): ParsedItem {
  checkCalendarText(text);
  return describeCalendar(parseVcalendar(text), options);
}

/**
 * parseCalendarObject's checks and index fields for a VCALENDAR already
 * parsed (the mail path builds one and should not parse its text again).
 * Only for data being written: stored data is read with storedFields.
 */
export function describeCalendar(calendar: Component, options: ParseOptions): ParsedItem {
  checkCalendarContent(calendar);
  if (calendar.getFirstPropertyValue('method') !== null) {
    throw new InvalidInput('a stored calendar object must not carry METHOD (RFC 4791 4.1)', 'valid-calendar-object-resource');
  }
  const components = calendar.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  if (components.length === 0) throw new InvalidInput('no VEVENT, VTODO or VJOURNAL in the calendar data', 'valid-calendar-object-resource');

  const kind = components[0]!.name.toUpperCase();
  if (!KINDS.includes(kind)) throw new InvalidInput(`${kind} is not a supported component`, 'supported-calendar-component');
  for (const c of components) {
    if (c.name.toUpperCase() !== kind) {
      throw new InvalidInput('one calendar object may hold only one component type', 'valid-calendar-object-resource');
    }
  }
  const uid = String(components[0]!.getFirstPropertyValue('uid') ?? '').trim();
  if (uid === '') throw new InvalidInput(`${kind} has no UID`, 'valid-calendar-object-resource');
  if (uid.length > 255) throw new InvalidInput('UID is longer than 255 characters', 'valid-calendar-object-resource');
  for (const c of components) {
    if (String(c.getFirstPropertyValue('uid') ?? '').trim() !== uid) {
      throw new InvalidInput('all components of one calendar object must share one UID', 'valid-calendar-object-resource');
    }
  }
  const masters = components.filter((c) => !c.hasProperty('recurrence-id'));
  if (masters.length > 1) throw new InvalidInput(`more than one ${kind} with UID ${uid} and no RECURRENCE-ID`, 'valid-calendar-object-resource');
  checkRecurrences(calendar);

  const zones = new ZoneResolver(calendar, options.floatingZone);
  let startUtc: Date | null = null;
  let endUtc: Date | null = null;
  let unbounded = false;
  let isRecurring = false;
  for (const c of components) {
    const bounds = componentBounds(c, kind as ItemKind, zones);
    if (bounds.recurring) isRecurring = true;
    if (bounds.start === null) {
      unbounded = true;
      continue;
    }
    if (startUtc === null || bounds.start < startUtc) startUtc = bounds.start;
    if (bounds.end === null) unbounded = true;
    else if (endUtc === null || bounds.end > endUtc) endUtc = bounds.end;
  }
  if (startUtc === null) unbounded = true;

  const primary = masters[0] ?? components[0]!;
  return {
    uid,
    kind: kind as ItemKind,
    summary: text255(primary.getFirstPropertyValue('summary')),
    startUtc,
    endUtc: unbounded ? null : endUtc,
    isRecurring,
    fields: trackedFields(primary),
  };
}

export function parseVcalendar(text: string): Component {
  if (text.trim() === '') throw new InvalidInput('calendar data is empty', 'valid-calendar-data');
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (err) {
    throw new InvalidInput(`calendar data could not be parsed: ${err instanceof Error ? err.message : String(err)}`, 'valid-calendar-data');
  }
  if (!Array.isArray(jcal) || jcal.length === 0) throw new InvalidInput('calendar data holds no VCALENDAR', 'valid-calendar-data');
  if (Array.isArray(jcal[0])) throw new InvalidInput('calendar data holds more than one VCALENDAR', 'valid-calendar-data');
  const calendar = new ICAL.Component(jcal as unknown[]);
  if (calendar.name !== 'vcalendar') throw new InvalidInput(`expected VCALENDAR, found ${calendar.name.toUpperCase()}`, 'valid-calendar-data');
  return calendar;
}

/**
 * The tracked fields of an item already stored, to tell what a write changes.
 * Stored data is read as it is, never judged again: an item stored before a
 * limit existed can still be replaced by a valid one.
 */
export function storedFields(text: string): ParsedItem['fields'] {
  const components = parseVcalendar(text)
    .getAllSubcomponents()
    .filter((c) => KINDS.includes(c.name.toUpperCase()));
  const primary = components.find((c) => !c.hasProperty('recurrence-id')) ?? components[0];
  return primary ? trackedFields(primary) : Object.fromEntries(TRACKED_FIELDS.map((f) => [f, ''])) as ParsedItem['fields'];
}

function text255(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s.length > 255 ? s.slice(0, 255) : s;
}

function trackedFields(c: Component): Record<TrackedField, string> {
  const raw = (name: string) =>
    c
      .getAllProperties(name)
      .map((p) => p.toICALString())
      .join('\n');
  return {
    summary: String(c.getFirstPropertyValue('summary') ?? ''),
    start: raw('dtstart'),
    end: [raw('dtend'), raw('due'), raw('duration')].join('\n'),
    location: String(c.getFirstPropertyValue('location') ?? ''),
    description: String(c.getFirstPropertyValue('description') ?? ''),
    recurrence: [raw('rrule'), raw('rdate'), raw('exdate')].join('\n'),
    status: String(c.getFirstPropertyValue('status') ?? ''),
  };
}

/** Fields whose values differ between two versions of an item. */
export function changedFields(before: ParsedItem['fields'], after: ParsedItem['fields']): TrackedField[] {
  return TRACKED_FIELDS.filter((f) => before[f] !== after[f]);
}

/**
 * Turns times into UTC instants. A TZID is resolved to an IANA zone (Windows
 * and decorated names included); failing that, the calendar's own VTIMEZONE
 * offsets are used; only a time with no zone at all is floating.
 */
export class ZoneResolver {
  private readonly vtimezones = new Map<string, InstanceType<typeof ICAL.Timezone>>();

  constructor(
    private readonly calendar: Component,
    private readonly floatingZone: string,
  ) {}

  toUtc(time: Time, tzid: string | null): Date {
    if (time.zone?.tzid === 'UTC' || (time as unknown as { timezone?: string }).timezone === 'Z') {
      return new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second));
    }
    const wall = { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second };
    if (tzid && !time.isDate) {
      const iana = resolveTzid(tzid);
      if (iana) return wallClockToUtc(wall, iana);
      const vtz = this.vtimezone(tzid);
      if (vtz) {
        const t = time.clone();
        t.zone = vtz;
        return new Date(t.toUnixTime() * 1000);
      }
    }
    return wallClockToUtc(wall, this.floatingZone);
  }

  private vtimezone(tzid: string): InstanceType<typeof ICAL.Timezone> | null {
    const cached = this.vtimezones.get(tzid);
    if (cached) return cached;
    const component = this.calendar
      .getAllSubcomponents('vtimezone')
      .find((z) => String(z.getFirstPropertyValue('tzid') ?? '').trim() === tzid.trim());
    if (!component) return null;
    try {
      const tz = new ICAL.Timezone(component);
      this.vtimezones.set(tzid, tz);
      return tz;
    } catch {
      return null;
    }
  }
}

interface Bounds {
  start: Date | null;
  end: Date | null;
  recurring: boolean;
}

export function dateProp(c: Component, name: string): { time: Time; tzid: string | null } | null {
  const prop = c.getFirstProperty(name);
  if (!prop) return null;
  const value = prop.getFirstValue();
  if (!(value instanceof ICAL.Time)) throw new InvalidInput(`${name.toUpperCase()} is not a date or date-time`, 'valid-calendar-data');
  const tzid = prop.getParameter('tzid');
  return { time: value, tzid: typeof tzid === 'string' ? tzid : null };
}

function componentBounds(c: Component, kind: ItemKind, zones: ZoneResolver): Bounds {
  const dtstart = dateProp(c, 'dtstart');
  const due = kind === 'VTODO' ? dateProp(c, 'due') : null;
  const dtend = kind === 'VEVENT' ? dateProp(c, 'dtend') : null;
  const durationValue = c.getFirstPropertyValue('duration');
  const duration = durationValue instanceof ICAL.Duration ? durationValue : null;
  const anchor = dtstart ?? due;
  if (!anchor) return { start: null, end: null, recurring: false };

  const start = zones.toUtc(anchor.time, anchor.tzid);
  let lengthMs: number;
  if (dtend) lengthMs = zones.toUtc(dtend.time, dtend.tzid).getTime() - start.getTime();
  else if (due && dtstart) lengthMs = zones.toUtc(due.time, due.tzid).getTime() - start.getTime();
  else if (duration) lengthMs = duration.toSeconds() * 1000;
  else lengthMs = anchor.time.isDate && kind !== 'VTODO' ? DAY_MS : 0;
  if (lengthMs < 0) throw new InvalidInput(`${kind} ends before it starts`, 'valid-calendar-data');

  const recurring = !c.hasProperty('recurrence-id') && (c.hasProperty('rrule') || c.hasProperty('rdate'));
  if (!recurring || !dtstart) return { start, end: new Date(start.getTime() + lengthMs), recurring };

  const rules = c.getAllProperties('rrule').map((p) => p.getFirstValue()) as InstanceType<typeof ICAL.Recur>[];
  if (rules.some((r) => !r.isFinite())) return { start, end: null, recurring };

  // Bounded rule: walk to the last instance. A rule too long to walk (more
  // instances or steps than the limits) is indexed as unbounded, which only
  // widens time-range candidates.
  const walk = new RecurrenceWalk(c, dtstart.time);
  let last: Time | null = null;
  for (let i = 0; i < MAX_RECURRENCE_EXPANSION; i++) {
    const next = walk.next();
    if (!next) {
      if (walk.ended !== 'complete') break;
      const lastStart = last ? zones.toUtc(last, dtstart.tzid) : start;
      return { start, end: new Date(Math.max(lastStart.getTime() + lengthMs, start.getTime() + lengthMs)), recurring };
    }
    last = next;
  }
  return { start, end: null, recurring };
}
