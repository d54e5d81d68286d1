// Occurrences of an event within a time range, with each occurrence's own
// title, place, status and alarms (a RECURRENCE-ID override replaces the
// master's for its occurrence: RFC 5545 3.8.4.4). Times become UTC through
// icalendar.ts's ZoneResolver, the same rules the store indexes with.
import ICAL from 'ical.js';
import { createHash } from 'node:crypto';
import { MAX_RECURRENCE_EXPANSION } from '../../consts.ts';
import { ZoneResolver, type Component, type Time } from '../icalendar.ts';
import { RecurrenceWalk } from '../recurrence.ts';

export interface EmailAlarm {
  /** Stable per alarm definition: reminders are remembered per occurrence and alarm. */
  key: string;
  /** Minutes relative to the start (or end, with relatedToEnd); null for an absolute trigger. */
  offsetMinutes: number | null;
  relatedToEnd: boolean;
  absolute: Date | null;
  attendees: string[];
}

export interface Occurrence {
  /** The occurrence's original start (its RECURRENCE-ID), UTC; equals start unless moved. */
  recurrenceId: Date;
  start: Date;
  end: Date;
  allDay: boolean;
  summary: string;
  location: string;
  description: string;
  status: string;
  alarms: EmailAlarm[];
}

interface Zoned {
  time: Time;
  tzid: string | null;
}

function zonedProp(c: Component, name: string): Zoned | null {
  const p = c.getFirstProperty(name);
  if (!p) return null;
  const v = p.getFirstValue();
  if (!(v instanceof ICAL.Time)) return null;
  const tzid = p.getParameter('tzid');
  return { time: v, tzid: typeof tzid === 'string' ? tzid : null };
}

function emailAlarms(c: Component): EmailAlarm[] {
  const out: EmailAlarm[] = [];
  for (const a of c.getAllSubcomponents('valarm')) {
    if (String(a.getFirstPropertyValue('action') ?? '').toUpperCase() !== 'EMAIL') continue;
    const trigger = a.getFirstProperty('trigger');
    if (!trigger) continue;
    const value = trigger.getFirstValue();
    const related = String(trigger.getParameter('related') ?? 'START').toUpperCase() === 'END';
    const attendees = a.getAllProperties('attendee').map((p) => String(p.getFirstValue()).replace(/^mailto:/i, '').trim().toLowerCase());
    const key = createHash('sha256').update(trigger.toICALString()).digest('hex').slice(0, 40);
    if (value instanceof ICAL.Duration) out.push({ key, offsetMinutes: value.toSeconds() / 60, relatedToEnd: related, absolute: null, attendees });
    else if (value instanceof ICAL.Time) out.push({ key, offsetMinutes: null, relatedToEnd: false, absolute: new Date(value.toUnixTime() * 1000), attendees });
  }
  return out;
}

function lengthMs(c: Component, toUtc: (t: Time, z: string | null) => Date, start: Zoned): number {
  const end = zonedProp(c, 'dtend');
  if (end) return toUtc(end.time, end.tzid).getTime() - toUtc(start.time, start.tzid).getTime();
  const d = c.getFirstPropertyValue('duration');
  if (d instanceof ICAL.Duration) return d.toSeconds() * 1000;
  return start.time.isDate ? 86_400_000 : 0;
}

function describe(c: Component, start: Date, end: Date, allDay: boolean, recurrenceId: Date): Occurrence {
  return {
    recurrenceId,
    start,
    end,
    allDay,
    summary: String(c.getFirstPropertyValue('summary') ?? ''),
    location: String(c.getFirstPropertyValue('location') ?? ''),
    description: String(c.getFirstPropertyValue('description') ?? ''),
    status: String(c.getFirstPropertyValue('status') ?? '').toUpperCase(),
    alarms: emailAlarms(c),
  };
}

/** VEVENT occurrences that start in [from, to), in start order. Cancelled ones are included, marked by status. */
export function occurrencesBetween(text: string, floatingZone: string, from: Date, to: Date): Occurrence[] {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent');
  const master = events.find((e) => !e.hasProperty('recurrence-id'));
  const zones = new ZoneResolver(calendar, floatingZone);
  const toUtc = (time: Time, tzid: string | null) => zones.toUtc(time, tzid);
  const overrides = new Map<number, Component>();
  for (const e of events) {
    const rid = zonedProp(e, 'recurrence-id');
    if (rid) overrides.set(toUtc(rid.time, rid.tzid).getTime(), e);
  }
  const out = new Map<number, Occurrence>();
  const consider = (c: Component, recurrenceId: Date) => {
    const start = zonedProp(c, 'dtstart');
    if (!start) return;
    const s = toUtc(start.time, start.tzid);
    if (s >= from && s < to) out.set(recurrenceId.getTime(), describe(c, s, new Date(s.getTime() + lengthMs(c, toUtc, start)), start.time.isDate, recurrenceId));
  };
  const dtstart = master ? zonedProp(master, 'dtstart') : null;
  if (master && dtstart) {
    if (master.hasProperty('rrule') || master.hasProperty('rdate')) {
      // Bounded in steps as well as instances: a rule stored before the limits cannot stall the reminders job.
      const walk = new RecurrenceWalk(master, dtstart.time);
      // Overrides may move an occurrence up to a day either way into the range.
      const stopAt = to.getTime() + 86_400_000;
      for (let i = 0; i < MAX_RECURRENCE_EXPANSION; i++) {
        const next = walk.next();
        if (!next) break;
        const rid = toUtc(next, dtstart.tzid);
        if (rid.getTime() >= stopAt) break;
        if (rid.getTime() < from.getTime() - 86_400_000) continue;
        const override = overrides.get(rid.getTime());
        if (override) consider(override, rid);
        else {
          const len = lengthMs(master, toUtc, dtstart);
          if (rid >= from && rid < to) out.set(rid.getTime(), describe(master, rid, new Date(rid.getTime() + len), dtstart.time.isDate, rid));
        }
      }
    } else {
      consider(master, toUtc(dtstart.time, dtstart.tzid));
    }
  }
  for (const [rid, c] of overrides) if (!out.has(rid)) consider(c, new Date(rid));
  // A cancelled master cancels every occurrence, overrides included (RFC 5545 3.8.1.11).
  const cancelled = String(master?.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
  return [...out.values()].map((o) => (cancelled ? { ...o, status: 'CANCELLED' } : o)).sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** When an email alarm fires for an occurrence. */
export function triggerTime(alarm: EmailAlarm, o: Pick<Occurrence, 'start' | 'end'>): Date {
  if (alarm.absolute) return alarm.absolute;
  const base = alarm.relatedToEnd ? o.end : o.start;
  return new Date(base.getTime() + (alarm.offsetMinutes ?? 0) * 60_000);
}
