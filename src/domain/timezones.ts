// Wall-clock times in named zones -> UTC, using the runtime's IANA database
// (Intl), so converting needs no global registry of VTIMEZONE definitions.
// Windows zone names (as Outlook sends them) map to IANA via windows-iana.
import { findIana } from 'windows-iana';

const validZones = new Map<string, boolean>();

export function isIanaZone(name: string): boolean {
  let ok = validZones.get(name);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(name, ok);
  }
  return ok;
}

/**
 * The IANA zone a TZID means, or null. Accepts IANA names, Windows names and
 * the common decorations clients add (quotes, trailing spaces, a leading "/"
 * or a vendor prefix like "/mozilla.org/20050126_1/Europe/Berlin").
 */
export function resolveTzid(tzid: string): string | null {
  const cleaned = tzid.trim().replace(/^"|"$/g, '').trim();
  if (cleaned === '') return null;
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(cleaned)) return 'UTC';
  if (isIanaZone(cleaned)) return cleaned;
  const windows = findIana(cleaned);
  if (windows && windows.length > 0 && windows[0]) return windows[0];
  const segments = cleaned.split('/').filter(Boolean);
  for (const n of [3, 2]) {
    const tail = segments.slice(-n).join('/');
    if (segments.length >= n && tail.includes('/') && isIanaZone(tail)) return tail;
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in milliseconds. */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = formatter(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The UTC instant of a wall-clock time in `zone`. A time skipped by a DST
 * gap moves forward by the gap; an ambiguous time takes the first instance
 * (RFC 5545 3.3.5).
 */
export function wallClockToUtc(wall: WallClock, zone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const before = zoneOffsetMs(zone, naive - 86_400_000 / 2);
  const after = zoneOffsetMs(zone, naive + 86_400_000 / 2);
  // Try the earlier offset first so ambiguous times pick the first instance.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    const candidate = naive - offset;
    if (zoneOffsetMs(zone, candidate) === offset) return new Date(candidate);
  }
  // In a gap: neither offset round-trips; use the offset in force before it.
  return new Date(naive - before);
}
