// Calendar parts -> one iTIP object per UID. Parts are read with ical.js;
// components of one UID from every part (Gmail sends the same invitation as
// a text/calendar part and as invite.ics) merge, keeping the newest revision
// of each occurrence, so several VEVENTs or .ics files each become an item
// and a duplicated one becomes one. A calendar without METHOD is PUBLISH.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { checkCalendarContent, checkCalendarText } from '../../domain/calendar-limits.ts';
import { cloneComponent } from '../../domain/ical-components.ts';
import { ITIP_METHODS, type IncomingObject, type ItipMethod } from '../../domain/itip.ts';
import type { CalendarPart } from './message.ts';

type Component = InstanceType<typeof ICAL.Component>;

export interface CalendarReading {
  objects: IncomingObject[];
  /** Parts that could not be parsed, with the parser's message. */
  errors: string[];
  notes: string[];
}

interface Group {
  method: ItipMethod;
  prodid: string;
  components: Map<string, Component>;
  zones: Map<string, Component>;
}

const KINDS = new Set(['vevent', 'vtodo', 'vjournal']);

export function readCalendarParts(parts: CalendarPart[]): CalendarReading {
  const reading: CalendarReading = { objects: [], errors: [], notes: [] };
  const groups = new Map<string, Group>();
  for (const part of parts) {
    let calendars: Component[];
    try {
      if (part.unreadable !== undefined) throw new Error(part.unreadable);
      // A part is held to the limits of one calendar object before anything
      // reads it: nothing below may meet a value it cannot decode or a
      // structure too deep to copy (calendar-limits.ts).
      checkCalendarText(part.text);
      const jcal = ICAL.parse(part.text) as unknown[];
      calendars = (Array.isArray(jcal[0]) ? (jcal as unknown[][]) : [jcal]).map((j) => new ICAL.Component(j));
      for (const calendar of calendars) checkCalendarContent(calendar);
    } catch (err) {
      reading.errors.push(`${part.source}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    for (const calendar of calendars) addCalendar(calendar, part.source, groups, reading);
  }
  for (const [uid, group] of groups) reading.objects.push({ method: group.method, uid, icalendar: assemble(group) });
  return reading;
}

function addCalendar(calendar: Component, source: string, groups: Map<string, Group>, reading: CalendarReading): void {
  if (calendar.name !== 'vcalendar') {
    reading.errors.push(`${source}: expected VCALENDAR, found ${calendar.name.toUpperCase()}`);
    return;
  }
  const method = String(calendar.getFirstPropertyValue('method') ?? 'PUBLISH').trim().toUpperCase();
  if (!(ITIP_METHODS as readonly string[]).includes(method)) {
    reading.notes.push(`${source}: iTIP ${method} is not something a collection can take; ignored`);
    return;
  }
  // Keyed without surrounding spaces: Outlook writes "W. Europe Standard Time " in
  // parameters and the VTIMEZONE's TZID with or without the space; the zone goes with the item either way.
  const zones = new Map(calendar.getAllSubcomponents('vtimezone').map((z) => [String(z.getFirstPropertyValue('tzid') ?? '').trim(), z]));
  for (const component of calendar.getAllSubcomponents()) {
    if (!KINDS.has(component.name)) {
      if (component.name !== 'vtimezone') reading.notes.push(`${source}: ${component.name.toUpperCase()} ignored`);
      continue;
    }
    let uid = String(component.getFirstPropertyValue('uid') ?? '').trim();
    if (uid === '') {
      // RFC 5545 requires a UID; some exporters omit it. Derive a stable one.
      uid = `${createHash('sha256').update(component.toString()).digest('hex').slice(0, 32)}@tidings.invalid`;
      component.updatePropertyWithValue('uid', uid);
    }
    let group = groups.get(uid);
    if (!group) {
      group = { method: method as ItipMethod, prodid: String(calendar.getFirstPropertyValue('prodid') ?? '-//Tidings//EN'), components: new Map(), zones: new Map() };
      groups.set(uid, group);
    } else if (group.method !== method) {
      reading.notes.push(`${source}: ${uid} also sent as ${method}; ${group.method} kept`);
    }
    const key = occurrenceKey(component);
    const current = group.components.get(key);
    if (!current || newer(component, current)) group.components.set(key, component);
    for (const tzid of referencedZones(component)) {
      const zone = zones.get(tzid.trim());
      if (zone && !group.zones.has(tzid.trim())) group.zones.set(tzid.trim(), zone);
    }
  }
}

function occurrenceKey(c: Component): string {
  const rid = c.getFirstPropertyValue('recurrence-id');
  return rid instanceof ICAL.Time ? rid.toICALString() : '';
}

function newer(a: Component, b: Component): boolean {
  const seq = (c: Component) => Number(c.getFirstPropertyValue('sequence') ?? 0) || 0;
  const stamp = (c: Component) => {
    const v = c.getFirstPropertyValue('dtstamp');
    return v instanceof ICAL.Time ? v.toUnixTime() : 0;
  };
  return seq(a) !== seq(b) ? seq(a) > seq(b) : stamp(a) > stamp(b);
}

function referencedZones(c: Component): Set<string> {
  const out = new Set<string>();
  for (const prop of c.getAllProperties()) {
    const tzid = prop.getParameter('tzid');
    if (typeof tzid === 'string') out.add(tzid);
  }
  return out;
}

/** The group as one VCALENDAR, parsed (its components copied: the source calendars stay as they were). */
function assemble(group: Group): Component {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('prodid', group.prodid);
  for (const zone of group.zones.values()) calendar.addSubcomponent(cloneComponent(zone));
  for (const c of group.components.values()) calendar.addSubcomponent(cloneComponent(c));
  return calendar;
}
