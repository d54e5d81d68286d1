// Calendar data as mail brings it, made fit to store (RFC 4791 4.1) and to
// show the same in every client: METHOD removed (iTIP's, not a stored
// object's), Windows and decorated TZIDs (Outlook's "W. Europe Standard Time ",
// trailing space included) renamed to the IANA zone they mean, with that
// zone's VTIMEZONE in place of the sender's (whose rules were Outlook's guess
// under another name); a TZID nobody can resolve keeps the sender's VTIMEZONE
// when there is one (matched as clients match it, spaces aside), and one that
// no VTIMEZONE defines is pinned to the collection's zone rather than silently
// left floating; every TZID then has its VTIMEZONE (vtimezones.ts, RFC 5545
// 3.2.19); an all-day event whose DTEND is not after DTSTART ends the next
// day (DTEND is exclusive, RFC 5545 3.6.1).
import ICAL from 'ical.js';
import { resolveTzid } from './timezones.ts';
import { addMissingVtimezones } from './vtimezones.ts';

type Component = InstanceType<typeof ICAL.Component>;

/** Normalises in place; returns notes for the inbound record's trace. */
export function normalizeCalendar(calendar: Component, collectionZone: string): string[] {
  const notes: string[] = [];
  calendar.removeAllProperties('method');
  const vtimezones = calendar.getAllSubcomponents('vtimezone');
  const zoneNamed = (tzid: string) => vtimezones.find((z) => String(z.getFirstPropertyValue('tzid') ?? '').trim() === tzid.trim());
  const renamed = new Map<string, string>();

  const target = (tzid: string): string => {
    let to = renamed.get(tzid);
    if (to === undefined) {
      const iana = resolveTzid(tzid);
      const own = zoneNamed(tzid);
      to = iana ?? (own ? String(own.getFirstPropertyValue('tzid')) : collectionZone);
      renamed.set(tzid, to);
      if (to !== tzid) notes.push(`time zone "${tzid}" read as ${to}${iana || own ? '' : " (unknown and undefined: the collection's zone)"}`);
    }
    return to;
  };
  const rename = (component: Component) => {
    for (const prop of component.getAllProperties()) {
      const tzid = prop.getParameter('tzid');
      if (typeof tzid !== 'string') continue;
      const to = target(tzid);
      if (to !== tzid) prop.setParameter('tzid', to);
    }
    for (const sub of component.getAllSubcomponents()) rename(sub);
  };
  for (const component of calendar.getAllSubcomponents()) {
    if (component.name === 'vtimezone') continue;
    rename(component);
    fixAllDayEnd(component, notes);
  }
  // A VTIMEZONE whose name was replaced by an IANA one defines nothing used any more.
  const kept = new Set(renamed.values());
  for (const zone of vtimezones) {
    const tzid = String(zone.getFirstPropertyValue('tzid') ?? '');
    if ([...renamed.keys()].some((from) => from.trim() === tzid.trim()) && !kept.has(tzid)) calendar.removeSubcomponent(zone);
  }
  for (const tzid of addMissingVtimezones(calendar)) notes.push(`VTIMEZONE of ${tzid} added`);
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
