// CALDAV:calendar-timezone (RFC 4791 5.2.2) must be a VCALENDAR holding one
// VTIMEZONE; collections store an IANA name. The definition is the one every
// stored item gets for that zone (domain/vtimezones.ts: the IANA data of
// timezones-ical-library), so a client meets one definition of each zone. A
// zone the runtime knows and that data lacks (a zone newer than the package)
// gets its offset now, as a fixed one, which is what clients use the
// property for (floating times, new events' default zone).
import { PRODID } from '../../domain/calendar-export.ts';
import { zoneOffsetMs } from '../../domain/timezones.ts';
import { ianaVtimezone } from '../../domain/vtimezones.ts';

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms) / 60_000;
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function fixedOffset(zone: string, now: Date): string {
  const offset = offsetText(zoneOffsetMs(zone, now.getTime()));
  return ['BEGIN:VTIMEZONE', `TZID:${zone}`, 'BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`, 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');
}

export function vtimezoneCalendar(zone: string, now = new Date()): string {
  const vtimezone = ianaVtimezone(zone)?.toString() ?? fixedOffset(zone, now);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, vtimezone, 'END:VCALENDAR', ''].join('\r\n');
}
