// The instances of a calendar object in a time range: a recurring master's
// occurrences (RRULE, RDATE, EXDATE via ical.js), each replaced by its
// RECURRENCE-ID override when there is one, plus overrides moved into the
// range. Times are resolved to UTC the way the store indexes them
// (icalendar.ts ZoneResolver: IANA, Windows and VTIMEZONE zones). Used by
// CalDAV time-range filters, free-busy and expansion.
import ICAL from 'ical.js';
import { MAX_RECURRENCE_EXPANSION } from '../consts.ts';
import { dateProp, ZoneResolver, type Component, type ItemKind, type Time } from './icalendar.ts';
import { RecurrenceWalk } from './recurrence.ts';

const DAY_MS = 86_400_000;

export interface Instance {
  /** The master for a plain occurrence, the override for an overridden one. */
  component: Component;
  /** DTSTART (for a VTODO without one: null). */
  start: Date | null;
  /** DTEND, DTSTART+DURATION, DUE for tasks, or the all-day end; null when none applies. */
  end: Date | null;
  /** DTSTART is a DATE (all-day). */
  allDay: boolean;
  /** What the end came from: RFC 4791 9.9 treats each differently. */
  endKind: 'dtend' | 'duration' | 'due' | 'implied' | 'none';
  /** The occurrence's RECURRENCE-ID instant, for recurring items. */
  recurrenceId: Date | null;
}

interface Shape {
  start: Date | null;
  end: Date | null;
  allDay: boolean;
  endKind: Instance['endKind'];
  lengthMs: number;
}

function shape(c: Component, kind: ItemKind, zones: ZoneResolver): Shape {
  const dtstart = dateProp(c, 'dtstart');
  const start = dtstart ? zones.toUtc(dtstart.time, dtstart.tzid) : null;
  const allDay = dtstart?.time.isDate ?? false;
  const dtend = kind === 'VEVENT' ? dateProp(c, 'dtend') : null;
  const due = kind === 'VTODO' ? dateProp(c, 'due') : null;
  const duration = c.getFirstPropertyValue('duration');
  if (dtend && start) {
    const end = zones.toUtc(dtend.time, dtend.tzid);
    return { start, end, allDay, endKind: 'dtend', lengthMs: end.getTime() - start.getTime() };
  }
  if (due) {
    const end = zones.toUtc(due.time, due.tzid);
    return { start, end, allDay, endKind: 'due', lengthMs: start ? end.getTime() - start.getTime() : 0 };
  }
  if (duration instanceof ICAL.Duration && start) {
    const lengthMs = duration.toSeconds() * 1000;
    return { start, end: new Date(start.getTime() + lengthMs), allDay, endKind: 'duration', lengthMs };
  }
  if (start && allDay && kind !== 'VTODO') return { start, end: new Date(start.getTime() + DAY_MS), allDay, endKind: 'implied', lengthMs: DAY_MS };
  return { start, end: start, allDay, endKind: 'none', lengthMs: 0 };
}

function instanceOf(component: Component, s: Shape, recurrenceId: Date | null): Instance {
  return { component, start: s.start, end: s.end, allDay: s.allDay, endKind: s.endKind, recurrenceId };
}

/**
 * Every instance of the object's `kind` components starting before
 * `rangeEnd` (callers apply the exact overlap rule). A master without
 * recurrence is one instance; a recurring one is walked from its start,
 * at most MAX_RECURRENCE_EXPANSION occurrences and the step budget of
 * recurrence.ts (data stored before that budget existed ends there).
 */
export function instancesUntil(calendar: Component, kind: ItemKind, rangeEnd: Date, floatingZone: string): Instance[] {
  const zones = new ZoneResolver(calendar, floatingZone);
  const components = calendar.getAllSubcomponents(kind.toLowerCase());
  const master = components.find((c) => !c.hasProperty('recurrence-id'));
  const overrides = new Map<number, Component>();
  for (const c of components) {
    if (c === master) continue;
    const rid = dateProp(c, 'recurrence-id');
    if (rid) overrides.set(zones.toUtc(rid.time, rid.tzid).getTime(), c);
  }
  const out: Instance[] = [];
  for (const [rid, c] of overrides) out.push(instanceOf(c, shape(c, kind, zones), new Date(rid)));
  if (!master) return out;

  const base = shape(master, kind, zones);
  const dtstart = dateProp(master, 'dtstart');
  const recurring = dtstart !== null && (master.hasProperty('rrule') || master.hasProperty('rdate'));
  if (!recurring) {
    out.push(instanceOf(master, base, null));
    return out;
  }
  const walk = new RecurrenceWalk(master, dtstart.time);
  for (let i = 0; i < MAX_RECURRENCE_EXPANSION; i++) {
    const next: Time | null = walk.next();
    if (!next) break;
    const start = zones.toUtc(next, dtstart.tzid);
    if (start >= rangeEnd) break;
    if (overrides.has(start.getTime())) continue;
    const end = base.end === null ? null : new Date(start.getTime() + base.lengthMs);
    out.push(instanceOf(master, { ...base, start, end }, start));
  }
  return out;
}
