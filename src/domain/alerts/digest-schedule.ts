// When a user's daily digest is due, and which instants "yesterday" and
// "today" span, in the user's time zone. Local days are found with the
// runtime's IANA data, so a day across a DST change is 23 or 25 hours long
// and the digest still goes out at the chosen wall-clock time.
import { wallClockToUtc } from '../timezones.ts';

export const DEFAULT_DIGEST_TIME = '07:00';
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isDigestTime(value: string): boolean {
  return TIME.test(value);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The YYYY-MM-DD date of `instant` in `zone`. */
export function localDateOf(instant: Date, zone: string): string {
  let f = dateFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(zone, f);
  }
  return f.format(instant);
}

export function addDays(localDate: string, days: number): string {
  const d = new Date(`${localDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant a wall-clock time on a local date happens in `zone`. */
export function localInstant(localDate: string, time: string, zone: string): Date {
  const [y, mo, d] = localDate.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return wallClockToUtc({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0 }, zone);
}

export interface DigestWindow {
  /** The local date the digest is for ("today"). */
  localDate: string;
  dueAt: Date;
  due: boolean;
  yesterday: { from: Date; to: Date; localDate: string };
  today: { from: Date; to: Date };
}

export function digestWindow(now: Date, zone: string, time: string = DEFAULT_DIGEST_TIME): DigestWindow {
  const localDate = localDateOf(now, zone);
  const dueAt = localInstant(localDate, isDigestTime(time) ? time : DEFAULT_DIGEST_TIME, zone);
  const todayStart = localInstant(localDate, '00:00', zone);
  const yesterday = addDays(localDate, -1);
  return {
    localDate,
    dueAt,
    due: now.getTime() >= dueAt.getTime(),
    yesterday: { from: localInstant(yesterday, '00:00', zone), to: todayStart, localDate: yesterday },
    today: { from: todayStart, to: localInstant(addDays(localDate, 1), '00:00', zone) },
  };
}
