// Plain mail as an item, by the address's item mode. The subject is the
// summary; a date or time phrase in it ("Lunch with Ana Friday 12:30",
// "tomorrow 9am") is read with chrono-node relative to the mail's Date
// header as a wall clock in the collection's time zone, so "Friday" means the
// Friday of the place the calendar lives in. The body (without quotes and
// signature) is the description; the sender and Message-ID are kept.
import * as chrono from 'chrono-node';
import { MAX_DATE_PHRASE_CHARS } from '../../consts.ts';
import type { IncomingText } from '../../domain/itip.ts';
import { wallClockToUtc, zoneOffsetMs } from '../../domain/timezones.ts';
import { calendarOf, dateValue, escapeText, localDateTime, utcDateTime } from './ics.ts';

export type PlainMode = 'event' | 'task' | 'note';

export interface PlainMail {
  uid: string;
  subject: string;
  description: string;
  from: { address: string; name: string } | null;
  messageId: string | null;
  date: Date;
  zone: string;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

interface When {
  start: Wall;
  end: Wall | null;
  timed: boolean;
  phrase: string;
}

/** The zone's wall clock at `instant`. */
function wallClock(instant: Date, zone: string): Wall {
  const local = new Date(instant.getTime() + zoneOffsetMs(zone, instant.getTime()));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

/** The first date/time phrase in the subject, or null. */
export function findWhen(subject: string, date: Date, zone: string): When | null {
  const w = wallClock(date, zone);
  // chrono reasons in the host's local time; handing it the zone's wall clock
  // as a local Date makes "tomorrow" and "Friday" the zone's.
  const reference = new Date(w.year, w.month - 1, w.day, w.hour, w.minute);
  // chrono-node's time grows faster than its input (a 200 KB subject of date
  // phrases took 8 s); a date phrase stands near the start of a subject anyway.
  const result = chrono.parse(subject.slice(0, MAX_DATE_PHRASE_CHARS), reference, { forwardDate: true })[0];
  if (!result) return null;
  const part = (c: chrono.ParsedComponents): Wall => ({
    year: c.get('year') ?? w.year,
    month: c.get('month') ?? w.month,
    day: c.get('day') ?? w.day,
    hour: c.get('hour') ?? 0,
    minute: c.get('minute') ?? 0,
  });
  const timed = result.start.isCertain('hour');
  return { start: part(result.start), end: result.end && timed ? part(result.end) : null, timed, phrase: result.text };
}

function summaryWithout(subject: string, phrase: string): string {
  const rest = subject.replace(phrase, '').replace(/\s+(on|at|am|um|le|el)\s*$/i, '').replace(/[\s,;:–-]+$/, '').replace(/\s+/g, ' ').trim();
  return rest.length >= 2 ? rest : subject;
}

function common(mail: PlainMail, summary: string): string[] {
  const lines = [`UID:${mail.uid}`, `DTSTAMP:${utcDateTime(mail.date)}`, `SUMMARY:${escapeText(summary || '(no subject)')}`];
  if (mail.description) lines.push(`DESCRIPTION:${escapeText(mail.description)}`);
  if (mail.from) lines.push(`X-TIDINGS-SENDER:${escapeText(mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address)}`);
  if (mail.messageId) lines.push(`X-TIDINGS-MESSAGE-ID:${escapeText(mail.messageId)}`);
  return lines;
}

export function plainItem(mail: PlainMail, mode: PlainMode): IncomingText {
  const when = findWhen(mail.subject, mail.date, mail.zone);
  const summary = when && mode !== 'note' ? summaryWithout(mail.subject, when.phrase) : mail.subject;
  const lines = common(mail, summary);
  const today = wallClock(mail.date, mail.zone);
  if (mode === 'note') {
    lines.push(`DTSTART;VALUE=DATE:${dateValue(today.year, today.month, today.day)}`);
    return { method: 'PUBLISH', uid: mail.uid, icalendar: calendarOf('VJOURNAL', lines) };
  }
  if (mode === 'task') {
    if (when) lines.push(when.timed ? `DUE;TZID=${mail.zone}:${localDateTime(when.start)}` : `DUE;VALUE=DATE:${dateValue(when.start.year, when.start.month, when.start.day)}`);
    return { method: 'PUBLISH', uid: mail.uid, icalendar: calendarOf('VTODO', lines) };
  }
  if (when?.timed) {
    const startUtc = wallClockToUtc({ ...when.start, second: 0 }, mail.zone);
    const endUtc = when.end ? wallClockToUtc({ ...when.end, second: 0 }, mail.zone) : null;
    lines.push(`DTSTART;TZID=${mail.zone}:${localDateTime(when.start)}`);
    // One hour unless the phrase gave an end after the start ("2pm-3pm").
    if (when.end && endUtc && endUtc > startUtc) lines.push(`DTEND;TZID=${mail.zone}:${localDateTime(when.end)}`);
    else lines.push('DURATION:PT1H');
  } else {
    // A day without a time is an all-day event; DTEND is the next day (exclusive).
    const day = when?.start ?? today;
    lines.push(`DTSTART;VALUE=DATE:${dateValue(day.year, day.month, day.day)}`, `DTEND;VALUE=DATE:${dateValue(day.year, day.month, day.day + 1)}`);
  }
  return { method: 'PUBLISH', uid: mail.uid, icalendar: calendarOf('VEVENT', lines) };
}
