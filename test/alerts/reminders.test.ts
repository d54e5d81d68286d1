// Event reminders: VALARM ACTION:EMAIL and the collection's default reminder
// become mail at the trigger instant, for every occurrence of a recurring
// event (across a DST change, moved occurrences at their new time), never
// twice, never for a cancelled occurrence, never late after an outage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runReminders } from '../../src/jobs/reminders.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { setDefaultReminder } from '../../src/domain/alerts/reminders.ts';
import { setSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import type { OutboxPayload } from '../../src/domain/outbox/enqueue.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('reminders');
const world = await alertWorld(db);
const { store } = db;
const owner = await createUser(store, { email: 'owner@example.com', password: 'correct horse battery', displayName: 'Olga', timeZone: 'Europe/Berlin' }, TEST_AUDIT);
const bob = await createUser(store, { email: 'bob@example.com', password: 'correct horse battery', displayName: 'Bob', timeZone: 'Europe/Berlin' }, TEST_AUDIT);
const family = await makeCollection(store, owner, { name: 'Family', timeZone: 'Europe/Berlin' });
await shareCollection(store, owner.id, family.id, bob.email, 'viewer', TEST_AUDIT);

const lines = (...l: string[]) => [...l, ''].join('\r\n');
// Mondays 09:00 Berlin from 19 October 2026: summer time ends on 25 October, so 09:00 is 07:00 UTC, then 08:00 UTC.
const weeklyStandup = lines(
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN',
  'BEGIN:VEVENT', 'UID:standup', 'DTSTAMP:20261001T000000Z',
  'DTSTART;TZID=Europe/Berlin:20261019T090000', 'DTEND;TZID=Europe/Berlin:20261019T093000', 'RRULE:FREQ=WEEKLY;COUNT=8',
  'SUMMARY:Standup', 'LOCATION:Room 4',
  'BEGIN:VALARM', 'ACTION:EMAIL', 'TRIGGER:-PT15M', 'SUMMARY:Standup soon', 'DESCRIPTION:Standup in 15 minutes', 'ATTENDEE:mailto:BOB@example.com', 'END:VALARM',
  'END:VEVENT',
  // 2 November is cancelled; 9 November moves to 10:00.
  'BEGIN:VEVENT', 'UID:standup', 'DTSTAMP:20261001T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20261102T090000',
  'DTSTART;TZID=Europe/Berlin:20261102T090000', 'DTEND;TZID=Europe/Berlin:20261102T093000', 'STATUS:CANCELLED', 'SUMMARY:Standup', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:standup', 'DTSTAMP:20261001T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20261109T090000',
  'DTSTART;TZID=Europe/Berlin:20261109T100000', 'DTEND;TZID=Europe/Berlin:20261109T103000', 'SUMMARY:Standup (late)',
  'BEGIN:VALARM', 'ACTION:EMAIL', 'TRIGGER:-PT15M', 'SUMMARY:Standup soon', 'DESCRIPTION:x', 'ATTENDEE:mailto:bob@example.com', 'END:VALARM',
  'END:VEVENT',
  'END:VCALENDAR',
);
await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'caldav', icalendar: weeklyStandup });

let seen = 0n;
async function remindersAt(iso: string): Promise<Array<{ to: string; payload: OutboxPayload }>> {
  world.clock.set(iso);
  await runReminders({ store, templates: world.ctx.templates, settings: world.ctx.alertSettings, now: world.clock.now });
  const rows = await store.db.outboxMessage.findMany({ where: { id: { gt: seen }, kind: 'reminder' }, orderBy: { id: 'asc' } });
  if (rows.length) seen = rows[rows.length - 1]!.id;
  return rows.map((r) => ({ to: r.recipient, payload: JSON.parse(r.payload) as OutboxPayload }));
}

describe('reminders of a recurring event', () => {
  it('fire at the trigger instant of each occurrence, in summer time and after the change to winter time', async () => {
    assert.deepEqual(await remindersAt('2026-10-19T06:44:00Z'), []);
    const first = await remindersAt('2026-10-19T06:45:00Z');
    assert.deepEqual(first.map((r) => r.to), ['bob@example.com']);
    assert.equal(first[0]!.payload.subject, 'Reminder: Standup — Mon 19 Oct 2026, 09:00 CEST');
    assert.match(first[0]!.payload.text, /When: {2}Mon 19 Oct 2026, 09:00 CEST – 09:30\nWhere: Room 4\nCalendar: Family/);
    assert.equal(first[0]!.payload.attachments[0]!.contentType, 'text/calendar; charset=utf-8');
    assert.match(first[0]!.payload.headers['List-Unsubscribe']!, /unsubscribe/);

    // After the DST change 09:00 is 08:00 UTC: 07:45 UTC is the trigger, not 06:45.
    assert.deepEqual(await remindersAt('2026-10-26T06:45:00Z'), []);
    const second = await remindersAt('2026-10-26T07:45:00Z');
    assert.equal(second.length, 1);
    assert.equal(second[0]!.payload.subject, 'Reminder: Standup — Mon 26 Oct 2026, 09:00 CET');
  });

  it('never sends one twice, however often the job runs', async () => {
    assert.deepEqual(await remindersAt('2026-10-26T07:46:00Z'), []);
    assert.deepEqual(await remindersAt('2026-10-26T07:59:00Z'), []);
  });

  it('never reminds of a cancelled occurrence, and reminds of a moved one at its new time', async () => {
    assert.deepEqual(await remindersAt('2026-11-02T07:45:00Z'), []);
    assert.deepEqual(await remindersAt('2026-11-09T07:45:00Z'), []);
    const moved = await remindersAt('2026-11-09T08:45:00Z');
    assert.equal(moved.length, 1);
    assert.equal(moved[0]!.payload.subject, 'Reminder: Standup (late) — Mon 9 Nov 2026, 10:00 CET');
  });

  it('drops a reminder that is late by more than the grace period (an outage) rather than send it late', async () => {
    assert.deepEqual(await remindersAt('2026-11-16T08:30:00Z'), []);
    assert.deepEqual(await remindersAt('2026-11-16T08:31:00Z'), []);
  });
});

describe('the collection\'s default reminder', () => {
  it('is off by default, and once set reminds every member who has not turned the collection\'s mail off', async () => {
    await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'web', icalendar: eventIcs('dentist', { summary: 'Dentist', start: '20261203T140000Z', end: '20261203T150000Z' }) });
    assert.deepEqual(await remindersAt('2026-12-03T13:30:00Z'), []);

    await assert.rejects(setDefaultReminder(store, bob.id, family.id, 30, TEST_AUDIT), { name: 'Forbidden' });
    await setDefaultReminder(store, owner.id, family.id, 30, TEST_AUDIT);
    await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'web', icalendar: eventIcs('lunch', { summary: 'Lunch', start: '20261204T110000Z', end: '20261204T120000Z' }) });
    const both = await remindersAt('2026-12-04T10:30:00Z');
    assert.deepEqual(both.map((r) => r.to).sort(), ['bob@example.com', 'owner@example.com']);

    await setSubscription(store, bob.id, family.id, 'off');
    await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'web', icalendar: eventIcs('tea', { summary: 'Tea', start: '20261205T150000Z', end: '20261205T160000Z' }) });
    assert.deepEqual((await remindersAt('2026-12-05T14:30:00Z')).map((r) => r.to), ['owner@example.com']);
  });

  it('an email alarm naming no attendee goes to the owner', async () => {
    await setDefaultReminder(store, owner.id, family.id, null, TEST_AUDIT);
    await putItem(store, {
      actorUserId: owner.id,
      collectionId: family.id,
      origin: 'caldav',
      icalendar: eventIcs('flight', { summary: 'Flight', start: '20261210T060000Z', end: '20261210T080000Z', extra: 'BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT2H\r\nSUMMARY:x\r\nDESCRIPTION:x\r\nEND:VALARM' }),
    });
    assert.deepEqual((await remindersAt('2026-12-10T04:00:00Z')).map((r) => r.to), ['owner@example.com']);
  });
});
