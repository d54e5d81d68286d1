// What one message becomes in one collection. A calendar part always wins
// (its iTIP method says what to do); else, for the auto and event modes,
// schema.org reservations; else the mail itself by the address's item mode
// (auto: an event when the subject names a date or time, a task otherwise).
// Calendar data that cannot be read is refused, with the parser's message,
// rather than quietly turned into a task.
import { createHash } from 'node:crypto';
import { InvalidInput } from '../domain/errors.ts';
import type { IncomingObject } from '../domain/itip.ts';
import type { RoutedAddress } from '../domain/routing.ts';
import { description, summaryFromSubject } from './parse/body.ts';
import { readCalendarParts } from './parse/calendar.ts';
import type { MailContent } from './parse/message.ts';
import { findWhen, plainItem, type PlainMode } from './parse/plain.ts';
import { reservationEvents } from './parse/reservations.ts';

export interface ItemPlan {
  source: 'calendar' | 'reservation' | 'plain';
  objects: IncomingObject[];
  notes: string[];
}

export function planItems(content: MailContent, address: RoutedAddress, dedupeKey: string, now = new Date()): ItemPlan {
  const notes = [...content.notes];
  const calendar = readCalendarParts(content.calendarParts);
  notes.push(...calendar.notes, ...calendar.errors.map((e) => `unreadable calendar data: ${e}`));
  if (calendar.objects.length > 0) return { source: 'calendar', objects: calendar.objects, notes };
  if (calendar.errors.length > 0) throw new InvalidInput(`the calendar data could not be read (${calendar.errors.join('; ')})`, 'valid-calendar-data');
  if (content.calendarParts.length > 0) notes.push('the calendar parts hold no event, task or note: read as plain mail');

  const stamp = content.date ?? now;
  if (address.itemMode === 'auto' || address.itemMode === 'event') {
    const reservations = reservationEvents(content.jsonLd as Record<string, unknown>[], { domain: address.domain, stamp, zone: address.timeZone });
    if (reservations.length > 0) return { source: 'reservation', objects: reservations, notes };
  }

  const subject = summaryFromSubject(content.subject);
  const text = description(content.text, content.forwarded);
  if (subject === '' && text === '') throw new InvalidInput('the message has no subject, no text and no calendar data', 'empty-message');
  const mode: PlainMode =
    address.itemMode === 'auto' ? (findWhen(subject, stamp, address.timeZone) ? 'event' : 'task') : address.itemMode;
  const uid = `mail-${createHash('sha256').update(`${dedupeKey}|${address.collectionId}`).digest('hex').slice(0, 32)}@${address.domain}`;
  const object = plainItem({ uid, subject, description: text, from: content.from, messageId: content.messageId, date: stamp, zone: address.timeZone }, mode);
  notes.push(`plain mail as a ${mode === 'event' ? 'VEVENT' : mode === 'task' ? 'VTODO' : 'VJOURNAL'} (${address.itemMode} mode)`);
  return { source: 'plain', objects: [object], notes };
}
