// Daily digests at each member's local time (default 07:00) with
// yesterday's changes and today's agenda; nothing when nothing happened; the
// days and the hour right across time zones and a DST change. The clock is
// the test's, never a sleep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDailyDigests } from '../../src/jobs/daily-digests.ts';
import { createUser, type User } from '../../src/domain/accounts.ts';
import { digestWindow } from '../../src/domain/alerts/digest-schedule.ts';
import { setDigestTime } from '../../src/domain/alerts/preferences.ts';
import { setSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import type { OutboxPayload } from '../../src/domain/outbox/enqueue.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('digests');
const world = await alertWorld(db);
const { store } = db;

const person = (name: string, timeZone: string) => createUser(store, { email: `${name}@example.com`, password: 'correct horse battery', displayName: name, timeZone }, TEST_AUDIT);
const owner = await person('owner', 'UTC');
const berlin = await person('berlin', 'Europe/Berlin');
const tokyo = await person('tokyo', 'Asia/Tokyo');
const ny = await person('newyork', 'America/New_York');
const family = await makeCollection(store, owner, { name: 'Family', timeZone: 'Europe/Berlin' });
for (const u of [berlin, tokyo, ny]) {
  await shareCollection(store, owner.id, family.id, u.email, 'editor', TEST_AUDIT);
  await setSubscription(store, u.id, family.id, 'digest');
}
await setDigestTime(store, ny.id, '18:30');

/** An item written through the domain, its change-log row dated `at`. */
async function changeAt(at: string, uid: string, summary: string, actor: User = owner, extra?: string) {
  await putItem(store, { actorUserId: actor.id, collectionId: family.id, origin: 'web', icalendar: eventIcs(uid, { summary, start: '20260415T100000Z', end: '20260415T110000Z', extra }) });
  await store.pool.query('UPDATE changes SET createdAt = ? WHERE collectionId = ? AND uid = ? ORDER BY position DESC LIMIT 1', [new Date(at), String(family.id), uid]);
}

let seen = 0n;
async function digestsAt(iso: string): Promise<Array<{ to: string; payload: OutboxPayload }>> {
  world.clock.set(iso);
  await runDailyDigests({ store, templates: world.ctx.templates, settings: world.ctx.alertSettings, now: world.clock.now });
  const rows = await store.db.outboxMessage.findMany({ where: { id: { gt: seen }, kind: 'digest' }, orderBy: { id: 'asc' } });
  if (rows.length) seen = rows[rows.length - 1]!.id;
  return rows.map((r) => ({ to: r.recipient, payload: JSON.parse(r.payload) as OutboxPayload }));
}

describe('the digest schedule', () => {
  it('is due at the local time, and a day across the spring DST change is 23 hours', () => {
    // Europe/Berlin moves to summer time on 29 March 2026: 07:00 is 05:00 UTC that day, 06:00 UTC the day before.
    assert.equal(digestWindow(new Date('2026-03-28T05:59:59Z'), 'Europe/Berlin').due, false);
    assert.equal(digestWindow(new Date('2026-03-28T06:00:00Z'), 'Europe/Berlin').dueAt.toISOString(), '2026-03-28T06:00:00.000Z');
    const sunday = digestWindow(new Date('2026-03-29T05:00:00Z'), 'Europe/Berlin');
    assert.equal(sunday.dueAt.toISOString(), '2026-03-29T05:00:00.000Z');
    assert.equal(sunday.due, true);
    const monday = digestWindow(new Date('2026-03-30T05:00:00Z'), 'Europe/Berlin');
    assert.deepEqual([monday.yesterday.from.toISOString(), monday.yesterday.to.toISOString()], ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    // The autumn change makes a 25-hour day.
    const autumn = digestWindow(new Date('2026-10-26T08:00:00Z'), 'Europe/Berlin');
    assert.equal(autumn.yesterday.to.getTime() - autumn.yesterday.from.getTime(), 25 * 3600_000);
  });
});

describe('daily digests', () => {
  it('go out at each member\'s local digest time with yesterday\'s changes, across time zones and the DST change', async () => {
    await changeAt('2026-03-28T22:30:00Z', 'a', 'Alpha'); // Berlin: Sat 28 23:30 CET; Tokyo: Sun 29 07:30; New York: Sat 28 18:30
    await changeAt('2026-03-29T21:30:00Z', 'b', 'Bravo'); // Berlin: Sun 29 23:30 CEST
    await changeAt('2026-03-29T22:30:00Z', 'c', 'Charlie'); // Berlin: Mon 30 00:30 CEST

    // Tokyo's 07:00 on Sunday 29 (22:00 UTC Saturday): its Saturday saw no change, so nothing is sent.
    assert.deepEqual(await digestsAt('2026-03-28T22:00:00Z'), []);
    // 06:59 in Berlin on the DST Sunday is 04:59 UTC: not yet.
    assert.deepEqual(await digestsAt('2026-03-29T04:59:00Z'), []);
    const sunday = await digestsAt('2026-03-29T05:00:00Z');
    assert.deepEqual(sunday.map((d) => d.to), ['berlin@example.com']);
    assert.equal(sunday[0]!.payload.subject, 'Family: daily digest for Sunday 29 March 2026');
    assert.match(sunday[0]!.payload.text, /Yesterday \(Saturday 28 March 2026\), 1 change:/);
    assert.match(sunday[0]!.payload.text, /\+ Alpha/);
    assert.doesNotMatch(sunday[0]!.payload.text, /Bravo|Charlie/);
    // Running again the same day sends nothing more.
    assert.deepEqual(await digestsAt('2026-03-29T05:30:00Z'), []);

    // 21:59 UTC on Sunday: nobody's digest time (Tokyo's Monday 07:00 is 22:00 UTC, New York's 18:30 is 22:30 UTC).
    assert.deepEqual(await digestsAt('2026-03-29T21:59:00Z'), []);
    // At 22:30 UTC both are due. New York's Saturday held Alpha; so did Tokyo's Sunday (07:30 JST).
    const late = await digestsAt('2026-03-29T22:30:00Z');
    assert.deepEqual(late.map((d) => d.to).sort(), ['newyork@example.com', 'tokyo@example.com']);
    const nyText = late.find((d) => d.to === 'newyork@example.com')!.payload.text;
    assert.match(nyText, /daily digest for “Family”, Sunday 29 March 2026/);
    assert.match(nyText, /\+ Alpha/);
    const tokyoText = late.find((d) => d.to === 'tokyo@example.com')!.payload.text;
    assert.match(tokyoText, /daily digest for “Family”, Monday 30 March 2026/);
    assert.match(tokyoText, /\+ Alpha/);
    assert.doesNotMatch(tokyoText, /Bravo|Charlie/);

    // Berlin's Monday: its 23-hour Sunday holds Bravo only (Charlie was already Monday there).
    const monday = await digestsAt('2026-03-30T05:00:00Z');
    const berlinMonday = monday.find((d) => d.to === 'berlin@example.com')!;
    assert.match(berlinMonday.payload.text, /\+ Bravo/);
    assert.doesNotMatch(berlinMonday.payload.text, /Alpha|Charlie/);
  });

  it('leave out the reader\'s own changes and list today\'s agenda, without cancelled occurrences', async () => {
    await changeAt('2026-04-14T12:00:00Z', 'own', 'Berlin made this', berlin);
    await changeAt('2026-04-14T13:00:00Z', 'dinner', 'Dinner', owner);
    const weekly = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN',
      'BEGIN:VEVENT', 'UID:swim', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID=Europe/Berlin:20260401T180000', 'DTEND;TZID=Europe/Berlin:20260401T190000', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Swimming', 'LOCATION:Pool', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:swim', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260422T180000', 'DTSTART;TZID=Europe/Berlin:20260422T180000', 'DTEND;TZID=Europe/Berlin:20260422T190000', 'STATUS:CANCELLED', 'SUMMARY:Swimming', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'caldav', icalendar: weekly });
    await store.pool.query("UPDATE changes SET createdAt = '2026-04-14 14:00:00' WHERE uid = 'swim'");

    const wednesday = await digestsAt('2026-04-15T05:00:00Z');
    const mine = wednesday.find((d) => d.to === 'berlin@example.com')!.payload;
    const [changes, agenda] = mine.text.split('Today:');
    assert.doesNotMatch(changes!, /Berlin made this/);
    assert.match(changes!, /Yesterday \(Tuesday 14 April 2026\), 2 changes:/);
    assert.match(changes!, /\+ Dinner/);
    // Every event of the day is on the agenda, the reader's own included; the weekly one in its Berlin time.
    assert.match(agenda!, /^\n {2}12:00–13:00 {2}Alpha\n(.*\n){3} {2}12:00–13:00 {2}Dinner\n {2}18:00–19:00 {2}Swimming, Pool\n/);
    assert.match(String(mine.html), /<td style="[^"]*">18:00–19:00<\/td>/);

    // A week later the Swimming occurrence is cancelled: it is not on the agenda.
    await changeAt('2026-04-21T12:00:00Z', 'note', 'Note');
    const cancelledDay = await digestsAt('2026-04-22T05:00:00Z');
    const text = cancelledDay.find((d) => d.to === 'berlin@example.com')!.payload.text;
    assert.doesNotMatch(text, /Swimming/);
  });

  it('sends nothing to a member whose collection had a quiet day, and records the day as handled', async () => {
    const before = await store.db.outboxMessage.count({ where: { kind: 'digest' } });
    assert.deepEqual(await digestsAt('2026-05-10T05:00:00Z'), []);
    // New York's 18:30 on 10 May is later (22:30 UTC).
    assert.deepEqual(await digestsAt('2026-05-10T23:00:00Z'), []);
    assert.equal(await store.db.outboxMessage.count({ where: { kind: 'digest' } }), before);
    const handled = await store.db.digestDelivery.findMany({ where: { localDate: '2026-05-10' } });
    assert.equal(handled.length, 3);
    assert.ok(handled.every((h) => h.sent === false));
  });
});
