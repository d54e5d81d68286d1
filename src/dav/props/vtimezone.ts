// CALDAV:calendar-timezone (RFC 4791 5.2.2) must be a VCALENDAR holding one
// VTIMEZONE; collections store an IANA name. The VTIMEZONE is made from the
// runtime's zone data (Intl): this year's offsets and transitions, which is
// what clients use it for (floating times, new events' default zone).
import { zoneOffsetMs } from '../../domain/timezones.ts';
import { PRODID } from '../../domain/calendar-export.ts';

const HOUR = 3_600_000;

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms) / 60_000;
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function localStamp(utcMs: number, offsetMs: number): string {
  return new Date(utcMs + offsetMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '');
}

/** The first instant (to the minute) in (from, to] whose offset differs from `from`'s. */
function transition(zone: string, from: number, to: number): number {
  const before = zoneOffsetMs(zone, from);
  let lo = from;
  let hi = to;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zoneOffsetMs(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function vtimezoneCalendar(zone: string, now = new Date()): string {
  const year = now.getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const observances: string[] = [];
  // Walk the year in weekly steps and bisect every change of offset.
  let prevOffset = zoneOffsetMs(zone, start);
  for (let t = start; t < end; t += 7 * 24 * HOUR) {
    const next = Math.min(t + 7 * 24 * HOUR, end);
    if (zoneOffsetMs(zone, next) === prevOffset) continue;
    const at = transition(zone, t, next);
    const to = zoneOffsetMs(zone, at);
    const kind = to > prevOffset ? 'DAYLIGHT' : 'STANDARD';
    observances.push(
      `BEGIN:${kind}`,
      `DTSTART:${localStamp(at, prevOffset)}`,
      `TZOFFSETFROM:${offsetText(prevOffset)}`,
      `TZOFFSETTO:${offsetText(to)}`,
      `END:${kind}`,
    );
    prevOffset = to;
  }
  if (observances.length === 0) {
    observances.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offsetText(prevOffset)}`, `TZOFFSETTO:${offsetText(prevOffset)}`, 'END:STANDARD');
  }
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'BEGIN:VTIMEZONE', `TZID:${zone}`, ...observances, 'END:VTIMEZONE', 'END:VCALENDAR', ''].join('\r\n');
}
