// Joins stored calendar objects into one iCalendar stream (exports, feeds):
// each object's components, with every VTIMEZONE included once.
import ICAL from 'ical.js';

export const PRODID = '-//Tidings//Tidings 0.1//EN';

export function joinCalendarObjects(objects: string[], name?: string): string {
  const out = new ICAL.Component(['vcalendar', [], []]);
  out.addPropertyWithValue('version', '2.0');
  out.addPropertyWithValue('prodid', PRODID);
  if (name) out.addPropertyWithValue('x-wr-calname', name);
  const zones = new Set<string>();
  for (const text of objects) {
    const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
    for (const c of calendar.getAllSubcomponents()) {
      if (c.name === 'vtimezone') {
        const tzid = String(c.getFirstPropertyValue('tzid') ?? '');
        if (zones.has(tzid)) continue;
        zones.add(tzid);
      }
      out.addSubcomponent(c);
    }
  }
  return out.toString() + '\r\n';
}
