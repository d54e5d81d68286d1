// Dates and words as a reader sees them: in the recipient's time zone, in
// one unambiguous style ("Tue 1 Dec 2026, 10:00 CET").
import type { ItemOrigin } from '../../../domain/items.ts';

const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(zone: string, kind: 'when' | 'day' | 'time' | 'long'): Intl.DateTimeFormat {
  const key = `${zone}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    const base: Intl.DateTimeFormatOptions = { timeZone: zone };
    const options: Record<typeof kind, Intl.DateTimeFormatOptions> = {
      when: { ...base, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
      day: { ...base, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' },
      time: { ...base, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
      long: { ...base, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
    };
    f = new Intl.DateTimeFormat('en-GB', options[kind]);
    cache.set(key, f);
  }
  return f;
}

/**
 * "Tue 1 Dec 2026, 10:00 CET", or "Tue 1 Dec 2026 (all day)". An all-day
 * item's start is midnight in its collection's zone (`dateZone`), so its day
 * is read there, not in the reader's zone.
 */
export function formatWhen(start: Date | null, zone: string, allDay = false, dateZone = zone): string {
  if (!start) return '';
  if (allDay) return `${fmt(dateZone, 'day').format(start).replace(',', '')} (all day)`;
  return fmt(zone, 'when').format(start).replace(/^(\w+),/, '$1');
}

export function formatTime(d: Date, zone: string): string {
  return fmt(zone, 'time').format(d);
}

/** "Wednesday 25 November 2026" for a YYYY-MM-DD local date. */
export function formatLocalDate(localDate: string): string {
  return fmt('UTC', 'long').format(new Date(`${localDate}T12:00:00Z`)).replace(',', '');
}

/** The channel of a change, as the object of "via" ("by Ann via email"). */
export const ORIGIN_WORDS: Record<ItemOrigin, string> = {
  caldav: 'a calendar app',
  email: 'email',
  web: 'the web',
  api: 'the API',
};

/** "a", "a and b", "a, b and c". */
export function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
