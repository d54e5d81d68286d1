// Calendar data as mail brings it, made fit to store (RFC 4791 4.1) and to
// show the same in every client: METHOD removed (iTIP's, not a stored
// object's), Windows and decorated TZIDs (Outlook's "W. Europe Standard Time ",
// trailing space included) renamed to the IANA zone they mean, with their
// VTIMEZONE kept for its offsets; a TZID nobody can resolve and no VTIMEZONE
// defines is pinned to the collection's zone rather than silently left
// floating; an all-day event whose DTEND is not after DTSTART ends the next
// day (DTEND is exclusive, RFC 5545 3.6.1).
import ICAL from 'ical.js';
import { resolveTzid } from './timezones.ts';

type Component = InstanceType<typeof ICAL.Component>;

const TIME_PROPERTIES = ['dtstart', 'dtend', 'due', 'recurrence-id', 'exdate', 'rdate'];

/** Normalises in place; returns notes for the inbound record's trace. */
export function normalizeCalendar(calendar: Component, collectionZone: string): string[] {
  const notes: string[] = [];
  calendar.removeAllProperties('method');
  const vtimezones = calendar.getAllSubcomponents('vtimezone');
  const zoneNamed = (tzid: string) => vtimezones.find((z) => String(z.getFirstPropertyValue('tzid') ?? '').trim() === tzid.trim());
  const renamed = new Map<string, string>();

  for (const component of calendar.getAllSubcomponents()) {
    if (component.name === 'vtimezone') continue;
    for (const name of TIME_PROPERTIES) {
      for (const prop of component.getAllProperties(name)) {
        const tzid = prop.getParameter('tzid');
        if (typeof tzid !== 'string') continue;
        let target = renamed.get(tzid);
        if (target === undefined) {
          target = resolveTzid(tzid) ?? (zoneNamed(tzid) ? tzid : collectionZone);
          renamed.set(tzid, target);
          if (target !== tzid) notes.push(`time zone "${tzid}" read as ${target}${resolveTzid(tzid) ? '' : " (unknown and undefined: the collection's zone)"}`);
        }
        if (target !== tzid) prop.setParameter('tzid', target);
      }
    }
    fixAllDayEnd(component, notes);
  }
  for (const [from, to] of renamed) {
    const zone = zoneNamed(from);
    if (!zone || from === to) continue;
    if (zoneNamed(to)) calendar.removeSubcomponent(zone);
    else zone.updatePropertyWithValue('tzid', to);
  }
  return notes;
}

function fixAllDayEnd(component: Component, notes: string[]): void {
  if (component.name !== 'vevent') return;
  const start = component.getFirstPropertyValue('dtstart');
  const end = component.getFirstProperty('dtend');
  if (!(start instanceof ICAL.Time) || !start.isDate || !end) return;
  const endTime = end.getFirstValue();
  if (!(endTime instanceof ICAL.Time) || !endTime.isDate || endTime.compare(start) > 0) return;
  const next = start.clone();
  next.adjust(1, 0, 0, 0);
  end.setValue(next);
  notes.push('all-day event given an exclusive end (the next day)');
}
