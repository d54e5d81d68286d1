// Whether an instance overlaps a time range, by the rules of RFC 4791 9.9
// (VEVENT, VTODO, VJOURNAL) and 9.9's VALARM trigger rule. An open range end
// is treated as infinitely far.
import ICAL from 'ical.js';
import { dateProp, ZoneResolver, type Component } from '../../domain/icalendar.ts';
import type { Instance } from '../../domain/instances.ts';
import type { TimeRange } from './parse.ts';

const FAR_PAST = -8.64e15;
const FAR_FUTURE = 8.64e15;

export function rangeMs(r: TimeRange): { start: number; end: number } {
  return { start: r.start?.getTime() ?? FAR_PAST, end: r.end?.getTime() ?? FAR_FUTURE };
}

function eventOverlaps(i: Instance, start: number, end: number): boolean {
  if (i.start === null) return false;
  const s = i.start.getTime();
  const e = i.end?.getTime() ?? s;
  // A zero-length event occupies its start instant (RFC 4791 9.9, table for VEVENT).
  if (e > s) return start < e && end > s;
  return start <= s && end > s;
}

function utcOf(c: Component, name: string, zones: ZoneResolver): number | null {
  const p = dateProp(c, name);
  return p ? zones.toUtc(p.time, p.tzid).getTime() : null;
}

function todoOverlaps(i: Instance, start: number, end: number, zones: ZoneResolver): boolean {
  const s = i.start?.getTime() ?? null;
  const e = i.end?.getTime() ?? null;
  if (s !== null && i.endKind === 'duration') return start <= e! && (end > s || end >= e!);
  if (s !== null && i.endKind === 'due') return (start < e! || start <= s) && (end > s || end >= e!);
  if (s !== null) return start <= s && end > s;
  if (e !== null && i.endKind === 'due') return start < e && end >= e;
  const completed = utcOf(i.component, 'completed', zones);
  const created = utcOf(i.component, 'created', zones);
  if (completed !== null && created !== null) return (start <= created || start <= completed) && (end >= created || end >= completed);
  if (completed !== null) return start <= completed && end >= completed;
  if (created !== null) return end > created;
  return true;
}

function journalOverlaps(i: Instance, start: number, end: number): boolean {
  if (i.start === null) return false;
  const s = i.start.getTime();
  if (i.allDay) return start < s + 86_400_000 && end > s;
  return start <= s && end > s;
}

export function instanceOverlaps(kind: string, i: Instance, range: TimeRange, zones: ZoneResolver): boolean {
  const { start, end } = rangeMs(range);
  if (kind === 'VEVENT') return eventOverlaps(i, start, end);
  if (kind === 'VTODO') return todoOverlaps(i, start, end, zones);
  if (kind === 'VJOURNAL') return journalOverlaps(i, start, end);
  return false;
}

/** VALARM: whether any trigger of the alarm, for the given instances of its parent, falls in the range. */
export function alarmInRange(alarm: Component, parents: Instance[], range: TimeRange, zones: ZoneResolver): boolean {
  const { start, end } = rangeMs(range);
  const trigger = alarm.getFirstProperty('trigger');
  if (!trigger) return false;
  const value = trigger.getFirstValue();
  const times: number[] = [];
  if (value instanceof ICAL.Time) times.push(zones.toUtc(value, null).getTime());
  else if (value instanceof ICAL.Duration) {
    const related = trigger.getParameter('related') === 'END' ? 'end' : 'start';
    for (const p of parents) {
      const anchor = (related === 'end' ? p.end : p.start) ?? p.start;
      if (anchor) times.push(anchor.getTime() + value.toSeconds() * 1000);
    }
  }
  return times.some((t) => t >= start && t < end);
}
