// schema.org reservations and events (JSON-LD from confirmation mail) as
// VEVENTs: flights, hotel stays, tickets, restaurant tables, trains. The UID
// comes from the reservation number and what is reserved, so a changed
// confirmation for the same booking updates the event instead of adding one.
import { createHash } from 'node:crypto';
import type { IncomingText } from '../../domain/itip.ts';
import { calendarOf, dateValue, escapeText, utcDateTime } from './ics.ts';

type Thing = Record<string, unknown>;

interface EventDraft {
  kind: string;
  key: string;
  summary: string;
  start: string | undefined;
  end: string | undefined;
  location: string;
  details: string[];
  cancelled: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Thing => (Array.isArray(v) ? obj(v[0]) : v && typeof v === 'object' ? (v as Thing) : {});
const typeOf = (t: Thing): string => str(Array.isArray(t['@type']) ? t['@type'][0] : t['@type']).replace(/^https?:\/\/schema\.org\//, '');

function place(p: unknown): string {
  const t = obj(p);
  const address = obj(t.address);
  const parts = [str(t.name), str(t.address) || [str(address.streetAddress), str(address.postalCode), str(address.addressLocality), str(address.addressCountry && obj(address.addressCountry).name) || str(address.addressCountry)].filter(Boolean).join(', ')];
  return parts.filter(Boolean).join(', ');
}

function airport(a: unknown): string {
  const t = obj(a);
  return str(t.iataCode) || str(t.name);
}

function draft(thing: Thing): EventDraft | null {
  const type = typeOf(thing);
  const r = obj(thing.reservationFor);
  const number = str(thing.reservationNumber);
  const cancelled = /Cancel/i.test(str(thing.reservationStatus));
  const who = str(obj(thing.underName).name);
  const details = [number && `Reservation number: ${number}`, who && `Name: ${who}`].filter(Boolean) as string[];
  switch (type) {
    case 'FlightReservation': {
      const flight = `${str(obj(r.airline).iataCode)}${str(r.flightNumber)}`;
      const from = airport(r.departureAirport);
      const to = airport(r.arrivalAirport);
      const airline = str(obj(r.airline).name);
      return { kind: type, key: `${number}|${flight}|${from}`, summary: `Flight ${flight} ${from} → ${to}`.replace(/\s+/g, ' ').trim(), start: str(r.departureTime), end: str(r.arrivalTime), location: place(r.departureAirport), details: [...details, airline && `Airline: ${airline}`].filter(Boolean) as string[], cancelled };
    }
    case 'LodgingReservation':
      return { kind: type, key: `${number}|${str(r.name)}`, summary: `Hotel: ${str(r.name)}`, start: str(thing.checkinTime) || str(thing.checkinDate), end: str(thing.checkoutTime) || str(thing.checkoutDate), location: place(r), details, cancelled };
    case 'FoodEstablishmentReservation':
      return { kind: type, key: `${number}|${str(r.name)}`, summary: `Table at ${str(r.name)}`, start: str(thing.startTime), end: str(thing.endTime), location: place(r), details: [...details, str(thing.partySize) && `Party size: ${str(thing.partySize)}`].filter(Boolean) as string[], cancelled };
    case 'TrainReservation': {
      const from = str(obj(r.departureStation).name);
      const to = str(obj(r.arrivalStation).name);
      return { kind: type, key: `${number}|${str(r.trainNumber)}|${from}`, summary: `Train ${str(r.trainNumber)} ${from} → ${to}`.replace(/\s+/g, ' ').trim(), start: str(r.departureTime), end: str(r.arrivalTime), location: from, details, cancelled };
    }
    case 'EventReservation':
      return { kind: type, key: `${number}|${str(r.name)}`, summary: str(r.name) || 'Event', start: str(r.startDate), end: str(r.endDate), location: place(r.location), details, cancelled };
    case 'Event':
      return { kind: type, key: `${str(thing.name)}|${str(thing.startDate)}`, summary: str(thing.name) || 'Event', start: str(thing.startDate), end: str(thing.endDate), location: place(thing.location), details: [], cancelled: /Cancel/i.test(str(thing.eventStatus)) };
    default:
      return null;
  }
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** DTSTART/DTEND lines: a UTC time when the value has an offset, an all-day date for a bare date. */
function timeLine(name: string, value: string, zone: string): string | null {
  const date = DATE_ONLY.exec(value);
  if (date) return `${name};VALUE=DATE:${dateValue(Number(date[1]), Number(date[2]), Number(date[3]))}`;
  if (HAS_OFFSET.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : `${name}:${utcDateTime(d)}`;
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  // No offset given: the collection's zone is the best reading there is.
  return local ? `${name};TZID=${zone}:${local[1]}${local[2]}${local[3]}T${local[4]}${local[5]}00` : null;
}

export function reservationEvents(things: Thing[], ctx: { domain: string; stamp: Date; zone: string }): IncomingText[] {
  const objects: IncomingText[] = [];
  for (const thing of things) {
    const d = draft(thing);
    if (!d?.start) continue;
    const start = timeLine('DTSTART', d.start, ctx.zone);
    if (!start) continue;
    const allDay = start.includes('VALUE=DATE');
    let end = d.end ? timeLine('DTEND', d.end, ctx.zone) : null;
    if (end && end.includes('VALUE=DATE') !== allDay) end = null;
    const uid = `res-${createHash('sha256').update(`${d.kind}|${d.key}`).digest('hex').slice(0, 32)}@${ctx.domain}`;
    const lines = [
      `UID:${uid}`,
      `DTSTAMP:${utcDateTime(ctx.stamp)}`,
      start,
      ...(end ? [end] : allDay ? [] : ['DURATION:PT2H']),
      `SUMMARY:${escapeText(d.summary)}`,
      ...(d.location ? [`LOCATION:${escapeText(d.location)}`] : []),
      ...(d.details.length ? [`DESCRIPTION:${escapeText(d.details.join('\n'))}`] : []),
      ...(d.cancelled ? ['STATUS:CANCELLED'] : []),
      `X-TIDINGS-SOURCE:schema.org/${d.kind}`,
    ];
    objects.push({ method: 'PUBLISH', uid, icalendar: calendarOf('VEVENT', lines) });
  }
  return objects;
}
