// CALDAV:free-busy-query (RFC 4791 7.10): the busy time of a collection in a
// range as one VFREEBUSY. Opaque, non-cancelled VEVENT instances count,
// recurrences expanded; TENTATIVE ones are BUSY-TENTATIVE. Anyone who may
// read the collection may ask (CALDAV:read-free-busy).
import ICAL from 'ical.js';
import { PRODID } from '../../domain/calendar-export.ts';
import { parseVcalendar } from '../../domain/icalendar.ts';
import { instancesUntil } from '../../domain/instances.ts';
import { itemsInRange } from '../../domain/items.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { parseTimeRange } from '../filters/parse.ts';
import { CALDAV } from '../xml/names.ts';
import { child, type XmlElement } from '../xml/parse.ts';
import { eventOverlapsRange } from './overlap.ts';

type BusyType = 'BUSY' | 'BUSY-TENTATIVE';
interface Period {
  start: number;
  end: number;
  type: BusyType;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Sorts and merges overlapping periods of the same type. */
export function mergePeriods(periods: Period[]): Period[] {
  const out: Period[] = [];
  for (const p of [...periods].sort((a, b) => a.type.localeCompare(b.type) || a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.type === p.type && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else out.push({ ...p });
  }
  return out.sort((a, b) => a.start - b.start);
}

export async function freeBusyQuery(ctx: DavContext, body: XmlElement): Promise<void> {
  const r = ctx.existing();
  if (r.kind !== 'collection') throw new DavError(403, 'free-busy-query is answered on a calendar collection');
  const range = parseTimeRange(child(body, CALDAV, 'time-range'));
  if (!range?.start || !range.end) throw new DavError(400, 'free-busy-query needs a time-range with a start and an end');
  const start = range.start;
  const end = range.end;
  const periods: Period[] = [];
  for (const item of await itemsInRange(ctx.store, ctx.user.id, r.collection.id, start, end)) {
    if (item.kind !== 'VEVENT') continue;
    const calendar = parseVcalendar(item.icalendar);
    for (const i of instancesUntil(calendar, 'VEVENT', end, r.collection.timeZone)) {
      const c = i.component;
      if (String(c.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') continue;
      const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
      if (status === 'CANCELLED' || !eventOverlapsRange(i, start, end) || !i.start) continue;
      const s = Math.max(i.start.getTime(), start.getTime());
      const e = Math.min((i.end ?? i.start).getTime(), end.getTime());
      if (e > s) periods.push({ start: s, end: e, type: status === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY' });
    }
  }
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'BEGIN:VFREEBUSY',
    `DTSTAMP:${stamp(Date.now())}`,
    `DTSTART:${stamp(start.getTime())}`,
    `DTEND:${stamp(end.getTime())}`,
    ...mergePeriods(periods).map((p) => `FREEBUSY;FBTYPE=${p.type}:${stamp(p.start)}/${stamp(p.end)}`),
    'END:VFREEBUSY',
    'END:VCALENDAR',
    '',
  ];
  // Checked by ical.js, so a bug here can never hand a client an unreadable calendar.
  ICAL.parse(lines.join('\r\n'));
  ctx.send(200, lines.join('\r\n'), 'text/calendar; charset=utf-8');
}
