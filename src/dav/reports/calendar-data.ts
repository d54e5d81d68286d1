// CALDAV:calendar-data in REPORT answers (RFC 4791 9.6). The object is
// returned whole, except when the client asks for <expand>: then each
// instance in the range becomes its own component in UTC with a
// RECURRENCE-ID and no recurrence rules (RFC 4791 9.6.5). Component and
// property subsetting (<comp>, <prop>) is not applied: the full object is a
// valid answer and what every client we know of asks for.
import ICAL from 'ical.js';
import { cloneComponent } from '../../domain/ical-components.ts';
import { parseVcalendar, type ItemKind } from '../../domain/icalendar.ts';
import { instancesUntil } from '../../domain/instances.ts';
import { parseUtc } from '../filters/parse.ts';
import { eventOverlapsRange } from './overlap.ts';
import { DavError } from '../errors.ts';
import { CALDAV } from '../xml/names.ts';
import { child, type XmlElement } from '../xml/parse.ts';

export interface CalendarDataRequest {
  expand: { start: Date; end: Date } | null;
}

export function parseCalendarDataRequest(node: XmlElement): CalendarDataRequest {
  const expand = child(node, CALDAV, 'expand');
  if (!expand) return { expand: null };
  const start = parseUtc(expand.attrs.start, 'expand start');
  const end = parseUtc(expand.attrs.end, 'expand end');
  if (!start || !end || end <= start) throw new DavError(400, 'expand needs a start and a later end');
  return { expand: { start, end } };
}

function utcTime(d: Date): InstanceType<typeof ICAL.Time> {
  return ICAL.Time.fromJSDate(d, true);
}

export function calendarData(text: string, kind: ItemKind, floatingZone: string, request: CalendarDataRequest): string {
  if (!request.expand) return text;
  const calendar = parseVcalendar(text);
  const isRecurring = calendar.getAllSubcomponents(kind.toLowerCase()).some((c) => c.hasProperty('rrule') || c.hasProperty('rdate') || c.hasProperty('recurrence-id'));
  if (!isRecurring) return text;
  const out = new ICAL.Component(['vcalendar', [], []]);
  for (const p of calendar.getAllProperties()) out.addProperty(ICAL.Property.fromString(p.toICALString()));
  for (const i of instancesUntil(calendar, kind, request.expand.end, floatingZone)) {
    if (!eventOverlapsRange(i, request.expand.start, request.expand.end)) continue;
    // A copy per instance: a plain occurrence's component is the master itself, shared by all of them.
    const c = cloneComponent(i.component);
    for (const name of ['rrule', 'rdate', 'exdate', 'dtstart', 'dtend', 'due', 'duration', 'recurrence-id']) c.removeAllProperties(name);
    if (i.start) c.addPropertyWithValue('dtstart', utcTime(i.start));
    if (i.end && i.endKind !== 'none') c.addPropertyWithValue(kind === 'VTODO' ? 'due' : 'dtend', utcTime(i.end));
    if (i.recurrenceId) c.addPropertyWithValue('recurrence-id', utcTime(i.recurrenceId));
    out.addSubcomponent(c);
  }
  return out.toString() + '\r\n';
}
