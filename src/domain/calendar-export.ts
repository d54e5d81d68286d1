// Joins stored calendar objects into one iCalendar stream (exports, feeds):
// each object's components, with every VTIMEZONE included once.
import ICAL from 'ical.js';
import { copyComponents } from './ical-components.ts';

export const PRODID = '-//Tidings//Tidings 0.1//EN';

export function joinCalendarObjects(objects: string[], name?: string): string {
  const out = new ICAL.Component(['vcalendar', [], []]);
  out.addPropertyWithValue('version', '2.0');
  out.addPropertyWithValue('prodid', PRODID);
  if (name) out.addPropertyWithValue('x-wr-calname', name);
  const zones = new Set<string>();
  for (const text of objects) {
    const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
    copyComponents(calendar, out, (c) => {
      if (c.name !== 'vtimezone') return true;
      const tzid = String(c.getFirstPropertyValue('tzid') ?? '');
      if (zones.has(tzid)) return false;
      zones.add(tzid);
      return true;
    });
  }
  return out.toString() + '\r\n';
}
