// Whatever zone a mail names, the stored item defines it: every TZID has its
// VTIMEZONE (RFC 5545 3.2.19), a renamed Windows zone carries the IANA zone's
// definition, and the instant read through that VTIMEZONE alone is the one
// the sender meant.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { fixture } from '../helpers/fixtures.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { assertTzidsDefined, instantByOwnVtimezone } from '../helpers/vtimezones.ts';

const { store } = await freshDatabase('mailzones');
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())));
const SENDER = 'ana.pereira@partner.test';

async function deliverFixture(name: string, box: Mailbox): Promise<string> {
  const raw = fixture(`mail/${name}`).replaceAll('{{TO}}', box.address);
  const from = /^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$/m.exec(raw)![1]!;
  return (await sendOnce(robot.port, from, box.address, raw)).response;
}

async function mail(box: Mailbox, o: { subject: string; text?: string; ics?: { method?: string; content: string } }): Promise<string> {
  const raw = await compose({
    from: `Ana Pereira <${SENDER}>`,
    to: box.address,
    messageId: messageId('partner.test'),
    date: new Date('2026-11-25T09:00:00Z'),
    subject: o.subject,
    text: o.text ?? 'See you there.',
    ...(o.ics ? { icalEvent: o.ics } : {}),
  });
  return (await sendOnce(robot.port, SENDER, box.address, raw)).response;
}

const ics = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings tests//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

async function onlyItem(box: Mailbox) {
  const items = await itemsOf(store, box.collectionId);
  assert.equal(items.length, 1);
  return items[0]!;
}

describe('invitations with Windows and localized zone names', () => {
  it('gives an Outlook invitation renamed to Europe/Berlin the IANA zone\'s VTIMEZONE, not Outlook\'s under a new name', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'UTC' });
    assert.equal(await deliverFixture('outlook-forwarded-invite-windows-tz.eml', box), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.match(item.icalendar, /^DTSTART;TZID=Europe\/Berlin:20261210T140000\r?$/m);
    assert.match(item.icalendar, /^X-LIC-LOCATION:Europe\/Berlin\r?$/m, 'the VTIMEZONE is the IANA data for Europe/Berlin');
    assert.doesNotMatch(item.icalendar, /W\. Europe Standard Time/);
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-12-10T13:00:00.000Z');
    assert.equal(instantByOwnVtimezone(item.icalendar, 'dtend'), '2026-12-10T14:30:00.000Z');
    assert.equal(item.startUtc?.toISOString(), '2026-12-10T13:00:00.000Z');
  });

  it('keeps a VTIMEZONE whose TZID differs from the parameters only by a trailing space (Outlook .ics), as the IANA zone', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'UTC' });
    const content = fixture('outlook-windows-tz-meeting.ics');
    assert.equal(await mail(box, { subject: 'Quarterly planning', ics: { method: 'PUBLISH', content } }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.match(item.icalendar, /^DTSTART;TZID=Europe\/Berlin:20261203T100000\r?$/m);
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-12-03T09:00:00.000Z');
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
  });

  it('reads a localized TZID by its own VTIMEZONE even when their spaces differ, and stores them matching', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'UTC' });
    const localized = '(UTC+01:00) Amsterdam, Berlin, Bern, Rom, Stockholm, Wien';
    const content = ics(
      'BEGIN:VTIMEZONE', `TZID:${localized} `,
      'BEGIN:STANDARD', 'DTSTART:16011028T030000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:16010325T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT', 'UID:localized-tz@partner.test', 'DTSTAMP:20261120T080000Z', `DTSTART;TZID="${localized}":20261203T100000`,
      `DTEND;TZID="${localized}":20261203T110000`, 'SUMMARY:Abstimmung', 'END:VEVENT',
    );
    assert.equal(await mail(box, { subject: 'Abstimmung', ics: { method: 'REQUEST', content } }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z', 'the sender\'s offsets, not the collection\'s zone');
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-12-03T09:00:00.000Z');
  });

  it('pins a localized TZID that no VTIMEZONE defines to the collection\'s zone, with that zone\'s VTIMEZONE', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'Europe/Berlin' });
    const content = ics(
      'BEGIN:VEVENT', 'UID:localized-undefined@partner.test', 'DTSTAMP:20261120T080000Z', 'DTSTART;TZID=Mitteleuropäische Zeit:20261203T100000',
      'DTEND;TZID=Mitteleuropäische Zeit:20261203T110000', 'SUMMARY:Jour fixe', 'END:VEVENT',
    );
    assert.equal(await mail(box, { subject: 'Jour fixe', ics: { method: 'PUBLISH', content } }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.match(item.icalendar, /^DTSTART;TZID=Europe\/Berlin:20261203T100000\r?$/m);
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-12-03T09:00:00.000Z');
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
  });
});

describe('items Tidings writes from plain mail', () => {
  it('defines the collection\'s zone for an event read from the subject', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'America/New_York' });
    // Wednesday 25 November 2026: "Friday" is the 27th; New York is at -05:00 then.
    assert.equal(await mail(box, { subject: 'Call with Ana Friday 9:30' }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.match(item.icalendar, /^DTSTART;TZID=America\/New_York:20261127T093000\r?$/m);
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-11-27T14:30:00.000Z');
    assert.equal(item.startUtc?.toISOString(), '2026-11-27T14:30:00.000Z');
  });

  it('defines the collection\'s zone for a task\'s DUE', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'task', timeZone: 'Europe/Berlin' });
    assert.equal(await mail(box, { subject: 'Send the report by Friday 17:00' }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.equal(instantByOwnVtimezone(item.icalendar, 'due'), '2026-11-27T16:00:00.000Z');
  });
});

describe('iTIP applied to a stored copy', () => {
  it('stores a cancelled occurrence together with the VTIMEZONE an older stored copy lacked', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'UTC' });
    const uid = 'weekly-sync@partner.test';
    const written = await putItem(store, {
      actorUserId: box.owner.id, collectionId: box.collectionId, origin: 'caldav', resourceName: 'weekly.ics',
      icalendar: ics('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'DTSTART:20261203T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Weekly sync', 'END:VEVENT'),
    });
    // What an older version stored: a TZID and no VTIMEZONE.
    const legacy = ics('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'DTSTART;TZID=Europe/Berlin:20261203T100000', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Weekly sync', 'END:VEVENT');
    await store.db.item.updateMany({ where: { collectionId: box.collectionId, resourceName: written.resourceName }, data: { icalendar: legacy } });
    const cancel = ics('METHOD:CANCEL', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z', 'RECURRENCE-ID:20261210T090000Z', 'SEQUENCE:1', 'SUMMARY:Weekly sync', 'END:VEVENT');
    assert.equal(await mail(box, { subject: 'Cancelled: Weekly sync', ics: { method: 'CANCEL', content: cancel } }), '250 2.6.0 accepted, 1 item stored');
    const item = await onlyItem(box);
    assert.match(item.icalendar, /^EXDATE:20261210T090000Z\r?$/m);
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-12-03T09:00:00.000Z');
  });
});

describe('every mail fixture', () => {
  for (const name of readdirSync(new URL('../fixtures/mail/', import.meta.url)).filter((n) => n.endsWith('.eml'))) {
    it(`${name}: every stored item defines each TZID it names`, async () => {
      const box = await makeMailbox(store, { policy: 'anyone' });
      await deliverFixture(name, box);
      for (const item of await itemsOf(store, box.collectionId)) assertTzidsDefined(item.icalendar);
    });
  }
});
