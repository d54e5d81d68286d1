// Real-looking Gmail and Outlook mail through the real robot: what lands in
// the collection, exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { fixture } from '../helpers/fixtures.ts';
import { inboundOf, itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('mailinvites');
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())));

async function deliver(name: string, box: Mailbox): Promise<string> {
  const raw = fixture(`mail/${name}`).replaceAll('{{TO}}', box.address);
  const from = /^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$/m.exec(raw)![1]!;
  return (await sendOnce(robot.port, from, box.address, raw)).response;
}

const vevents = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]).getAllSubcomponents('vevent');
const prop = (text: string, name: string) => vevents(text)[0]!.getFirstProperty(name);

describe('Gmail', () => {
  it('stores an invitation sent as a text/calendar part and again as invite.ics once, without METHOD', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await deliver('gmail-invite-duplicate-ics.eml', box), '250 2.6.0 accepted, 1 item stored');
    const items = await itemsOf(store, box.collectionId);
    assert.equal(items.length, 1);
    const item = items[0]!;
    assert.equal(item.uid, '1q2w3e4r5t6y7u8i9o0p@google.com');
    assert.equal(item.summary, 'Quarterly review');
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T15:00:00.000Z');
    assert.equal(item.origin, 'email');
    assert.doesNotMatch(item.icalendar, /^METHOD:/m);
    // The fuller copy (the text/calendar part) was kept, organizer untouched.
    assert.equal(prop(item.icalendar, 'description')!.getFirstValue(), 'Numbers for Q4, and the plan for Q1.');
    assert.equal(prop(item.icalendar, 'organizer')!.getFirstValue(), 'mailto:ana.pereira@gmail.com');
  });

  it('finds an invitation inside a forwarded message (message/rfc822), and the forwarder does not become the organizer', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await deliver('gmail-forwarded-invite-as-attachment.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Dentist');
    assert.equal(item!.startUtc?.toISOString(), '2026-12-07T07:30:00.000Z');
    assert.equal(prop(item!.icalendar, 'organizer')!.getFirstValue(), 'mailto:termine@praxis-sommer.example');
  });
});

describe('Outlook', () => {
  it('maps a forwarded invitation\'s Windows TZID (with its trailing space) to Europe/Berlin and keeps the VTIMEZONE', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'UTC' });
    assert.equal(await deliver('outlook-forwarded-invite-windows-tz.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Project kickoff');
    // 14:00 in Berlin in December is 13:00 UTC: not floating, not UTC by accident.
    assert.equal(item!.startUtc?.toISOString(), '2026-12-10T13:00:00.000Z');
    assert.equal(item!.endUtc?.toISOString(), '2026-12-10T14:30:00.000Z');
    assert.match(item!.icalendar, /^DTSTART;TZID=Europe\/Berlin:20261210T140000\r?$/m);
    assert.match(item!.icalendar, /^TZID:Europe\/Berlin\r?$/m);
    assert.equal(prop(item!.icalendar, 'organizer')!.getFirstValue(), 'mailto:petra.hoffmann@contoso.example');
    const trace = JSON.parse((await inboundOf(store, box.addressId))[0]!.trace);
    assert.ok(trace.delivery.notes.some((n: string) => n.includes('W. Europe Standard Time') && n.includes('Europe/Berlin')), JSON.stringify(trace.delivery.notes));
  });

  it("records an Outlook REPLY without ORGANIZER as the attendee's PARTSTAT, matched by UID and attendee", async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const uid = '040000008200E00074C5B7101A82E008000000002DEADBEEF0000000000000000100000000BUDGET';
    await putItem(store, {
      actorUserId: box.owner.id,
      collectionId: box.collectionId,
      origin: 'caldav',
      resourceName: 'budget.ics',
      icalendar: [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings tests//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z',
        'DTSTART:20261214T090000Z', 'DTEND:20261214T100000Z', 'SUMMARY:Budget planning', `ORGANIZER:mailto:${box.owner.email}`,
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob.meyer@fabrikam.example', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.org',
        'END:VEVENT', 'END:VCALENDAR', '',
      ].join('\r\n'),
    });
    assert.equal(await deliver('outlook-reply-accepted-no-organizer.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    const attendees = vevents(item!.icalendar)[0]!.getAllProperties('attendee').map((a) => [a.getFirstValue(), a.getParameter('partstat')]);
    assert.deepEqual(attendees, [['mailto:bob.meyer@fabrikam.example', 'ACCEPTED'], ['mailto:carol@example.org', 'NEEDS-ACTION']]);
    assert.equal(item!.summary, 'Budget planning', 'the reply\'s "Accepted: ..." summary is not copied');
    assert.equal(item!.resourceName, 'budget.ics', 'the CalDAV resource stays where it is');
  });

  it('refuses a REPLY for an event the owner does not organize (554 5.6.0)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const r = await deliver('outlook-reply-accepted-no-organizer.eml', box);
    assert.match(r, /^554 5\.6\.0 the message holds nothing that can become an item: a REPLY for event 0400.*BUDGET, which is not in this collection$/);
  });

  it('decodes an invitation from TNEF (winmail.dat)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await deliver('outlook-winmail-dat-meeting.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Supplier visit');
    assert.equal(item!.startUtc?.toISOString(), '2026-12-16T09:00:00.000Z');
    assert.match(item!.icalendar, /^DTSTART;TZID=Europe\/Paris:20261216T100000\r?$/m);
    assert.equal('x.y'.replaceAll('.', '-'), 'x-y', 'loading node-tnef left String.prototype.replaceAll alone');
  });

  it('reads a Teams invitation without a usable calendar part as plain mail', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'auto' });
    assert.equal(await deliver('teams-invite-without-ics.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.kind, 'VTODO', 'no date in the subject: a task');
    assert.equal(item!.summary, 'Design review');
    const todo = new ICAL.Component(ICAL.parse(item!.icalendar) as unknown[]).getFirstSubcomponent('vtodo')!;
    const description = String(todo.getFirstPropertyValue('description'));
    assert.match(description, /Microsoft Teams meeting/);
    assert.match(description, /Click here to join the meeting \[https:\/\/teams\.microsoft\.com\//);
    assert.equal(todo.getFirstPropertyValue('x-tidings-sender'), 'Jonas Weber <jonas.weber@fabrikam.example>');
  });
});

describe('several items in one message', () => {
  it('stores each VEVENT and VTODO of two .ics files as its own item, all-day ends made exclusive', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await deliver('several-events-two-ics-files.eml', box), '250 2.6.0 accepted, 4 items stored');
    const items = await itemsOf(store, box.collectionId);
    assert.deepEqual(items.map((i) => [i.summary, i.kind]).sort(), [
      ['Annual general meeting', 'VEVENT'], ['Autumn regatta', 'VEVENT'], ['Renew membership', 'VTODO'], ['Spring regatta', 'VEVENT'],
    ]);
    const autumn = items.find((i) => i.summary === 'Autumn regatta')!;
    assert.match(autumn.icalendar, /^DTEND;VALUE=DATE:20270919\r?$/m);
    assert.equal(autumn.endUtc!.getTime() - autumn.startUtc!.getTime(), 86_400_000);
  });
});

describe('content that can become no item', () => {
  it('refuses an unreadable calendar part with 554 5.6.0 and the parser\'s reason, and keeps serving', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const r = await deliver('broken-ics-unterminated.eml', box);
    assert.match(r, /^554 5\.6\.0 the message holds nothing that can become an item: the calendar data could not be read \(offsite\.ics: .+\)$/);
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    assert.equal(await deliver('gmail-invite-duplicate-ics.eml', box), '250 2.6.0 accepted, 1 item stored');
  });

  it('refuses malformed MIME (a truncated part in a multipart never closed) with 554 5.6.0', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const r = await deliver('malformed-mime-truncated.eml', box);
    assert.match(r, /^554 5\.6\.0 the message holds nothing that can become an item: /);
    const [record] = await inboundOf(store, box.addressId);
    assert.equal(record!.outcome, 'rejected');
    assert.equal(record!.reply, r);
  });
});
