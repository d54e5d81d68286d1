// Plain mail by item mode, HTML-only mail, date phrases in the collection's
// zone, schema.org confirmations, and a 20 MB attachment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { fixture } from '../helpers/fixtures.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('mailplain');
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())), { MAX_MESSAGE_BYTES: String(32 * 1024 * 1024) });
const SENDER = 'ana.pereira@partner.test';

async function mail(box: Mailbox, o: { subject: string; text?: string; html?: string; date?: Date; attachments?: Parameters<typeof compose>[0]['attachments'] }) {
  const raw = await compose({ from: `Ana Pereira <${SENDER}>`, to: box.address, messageId: messageId('partner.test'), date: o.date ?? new Date('2026-11-25T09:00:00Z'), ...o });
  return (await sendOnce(robot.port, SENDER, box.address, raw)).response;
}

async function fixtureMail(name: string, box: Mailbox) {
  const raw = fixture(`mail/${name}`).replaceAll('{{TO}}', box.address);
  const from = /^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$/m.exec(raw)![1]!;
  return (await sendOnce(robot.port, from, box.address, raw)).response;
}

function component(text: string) {
  return new ICAL.Component(ICAL.parse(text) as unknown[]).getAllSubcomponents().find((c) => c.name !== 'vtimezone')!;
}

describe('auto mode', () => {
  it('makes an event from a date and time in the subject, in the collection\'s zone, relative to the Date header', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'Europe/Berlin' });
    // Wednesday 25 November 2026: "Friday" is the 27th.
    assert.equal(await mail(box, { subject: 'Lunch with Ana Friday 12:30', text: 'At the usual place.' }), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.kind, 'VEVENT');
    assert.equal(item!.summary, 'Lunch with Ana');
    assert.equal(item!.startUtc?.toISOString(), '2026-11-27T11:30:00.000Z');
    assert.equal(item!.endUtc?.toISOString(), '2026-11-27T12:30:00.000Z');
    const c = component(item!.icalendar);
    assert.equal(c.getFirstProperty('dtstart')!.getParameter('tzid'), 'Europe/Berlin');
    assert.equal(c.getFirstPropertyValue('description'), 'At the usual place.');
    assert.equal(c.getFirstPropertyValue('x-tidings-sender'), `Ana Pereira <${SENDER}>`);
    assert.match(String(c.getFirstPropertyValue('x-tidings-message-id')), /^<t.+@partner\.test>$/);
  });

  it('reads "tomorrow" as the next day where the calendar lives, even when it is already tomorrow there', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', timeZone: 'Asia/Tokyo' });
    // 20:00 UTC on the 25th is 05:00 on the 26th in Tokyo: tomorrow is the 27th.
    await mail(box, { subject: 'Dentist tomorrow 9am', date: new Date('2026-11-25T20:00:00Z') });
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.startUtc?.toISOString(), '2026-11-27T00:00:00.000Z');
  });

  it('makes an all-day event (exclusive DTEND) from a day without a time', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await mail(box, { subject: 'School holiday on Monday' });
    const [item] = await itemsOf(store, box.collectionId);
    const c = component(item!.icalendar);
    assert.equal(String(c.getFirstPropertyValue('dtstart')), '2026-11-30');
    assert.equal(String(c.getFirstPropertyValue('dtend')), '2026-12-01');
  });

  it('makes a task when the subject names no time, without the quoted reply and signature', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const text = 'Two litres, the organic one.\n\n-- \nAna Pereira\n+351 21 000 0000\n\nOn Tue, Nov 24, 2026 at 6:02 PM Bob <bob@example.org> wrote:\n> can you buy milk?\n';
    await mail(box, { subject: 'Re: Buy milk', text });
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.kind, 'VTODO');
    assert.equal(item!.summary, 'Re: Buy milk');
    assert.equal(component(item!.icalendar).getFirstPropertyValue('description'), 'Two litres, the organic one.');
  });

  it('turns HTML-only mail into text for the description', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await fixtureMail('html-only-lunch-note.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Lunch with Ana');
    const description = String(component(item!.icalendar).getFirstPropertyValue('description'));
    assert.match(description, /^At the Café Central, the table by the window\.\n\nAna/);
    assert.doesNotMatch(description, /<b>|Lunch this week\?/);
  });

  it('strips Fwd: and keeps a forwarded text whole', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const text = 'FYI\n\n---------- Forwarded message ---------\nFrom: Club <club@rowing.example>\nSubject: Kit order\n\nOrders close soon.\n';
    await mail(box, { subject: 'Fwd: Kit order', text });
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Kit order');
    assert.match(String(component(item!.icalendar).getFirstPropertyValue('description')), /Orders close soon\./);
  });
});

describe('event, task and note modes', () => {
  it('event mode: an all-day event on the mail\'s date when the subject names none', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'event' });
    await mail(box, { subject: 'Parcel arrived' });
    const c = component((await itemsOf(store, box.collectionId))[0]!.icalendar);
    assert.equal(c.name, 'vevent');
    assert.equal(String(c.getFirstPropertyValue('dtstart')), '2026-11-25');
  });

  it('task mode: a VTODO due at the time the subject names', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'task' });
    await mail(box, { subject: 'Send the report by Friday 17:00' });
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.kind, 'VTODO');
    assert.equal(item!.startUtc?.toISOString(), '2026-11-27T16:00:00.000Z');
  });

  it('note mode: a VJOURNAL dated the day the mail was written', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'note' });
    await mail(box, { subject: 'Ideas for the garden', text: 'Tulips by the fence.' });
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.kind, 'VJOURNAL');
    assert.equal(item!.summary, 'Ideas for the garden');
  });

  it('refuses an item kind the collection does not take (554 5.6.0)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'task', components: ['VEVENT'] });
    assert.equal(await mail(box, { subject: 'Buy milk' }), '554 5.6.0 the message holds nothing that can become an item: this collection does not accept VTODO (it takes VEVENT)');
  });

  it('refuses a message with no subject, no text and no calendar data (554 5.6.0)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await mail(box, { subject: '', text: '' }), '554 5.6.0 the message holds nothing that can become an item: the message has no subject, no text and no calendar data');
  });
});

describe('schema.org confirmations', () => {
  it('makes each flight of a FlightReservation an event with its times, airports and booking code', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await fixtureMail('flight-confirmation-jsonld.eml', box), '250 2.6.0 accepted, 2 items stored');
    const items = await itemsOf(store, box.collectionId);
    assert.deepEqual(items.map((i) => [i.summary, i.startUtc?.toISOString(), i.endUtc?.toISOString()]), [
      ['Flight LH1166 FRA → LIS', '2027-03-14T07:35:00.000Z', '2027-03-14T10:50:00.000Z'],
      ['Flight LH1173 LIS → FRA', '2027-03-21T11:40:00.000Z', '2027-03-21T14:45:00.000Z'],
    ]);
    const c = component(items[0]!.icalendar);
    assert.equal(c.getFirstPropertyValue('location'), 'Frankfurt Airport');
    assert.match(String(c.getFirstPropertyValue('description')), /Reservation number: X7K9PQ/);
  });

  it('makes a LodgingReservation a stay from check-in to check-out at the hotel\'s address', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await fixtureMail('hotel-confirmation-jsonld.eml', box), '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Hotel: Hotel Alfama');
    assert.equal(item!.startUtc?.toISOString(), '2027-03-14T15:00:00.000Z');
    assert.equal(item!.endUtc?.toISOString(), '2027-03-17T11:00:00.000Z');
    assert.equal(component(item!.icalendar).getFirstPropertyValue('location'), 'Hotel Alfama, Rua dos Remédios 12, 1100-445, Lisboa, PT');
  });

  it('finds the flights in a forwarded confirmation (message/rfc822)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await fixtureMail('gmail-forwarded-flight-confirmation.eml', box), '250 2.6.0 accepted, 2 items stored');
    assert.deepEqual((await itemsOf(store, box.collectionId)).map((i) => i.summary), ['Flight LH1166 FRA → LIS', 'Flight LH1173 LIS → FRA']);
  });

  it('is read as plain mail in task mode', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', mode: 'task' });
    await fixtureMail('hotel-confirmation-jsonld.eml', box);
    assert.equal((await itemsOf(store, box.collectionId))[0]!.kind, 'VTODO');
  });
});

describe('large messages', () => {
  it('takes a message with a 20 MB attachment (the attachment is not stored)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const attachment = Buffer.alloc(20 * 1024 * 1024, 7);
    const r = await mail(box, { subject: 'Scanned contract', text: 'Signed copy attached.', attachments: [{ filename: 'contract.pdf', content: attachment, contentType: 'application/pdf' }] });
    assert.equal(r, '250 2.6.0 accepted, 1 item stored');
    const [item] = await itemsOf(store, box.collectionId);
    assert.ok(item!.sizeBytes < 10_000, `item is ${item!.sizeBytes} bytes`);
    const [record] = await store.db.inboundMessage.findMany({ where: { addressId: box.addressId } });
    assert.ok(record!.sizeBytes > 27_000_000, `message was ${record!.sizeBytes} bytes`);
  });
});
