// iTIP by mail (RFC 5546): updates by UID honouring SEQUENCE, single-
// occurrence changes and cancellations, stale updates answered 250 and
// changing nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('mailitip');
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())));
const ORGANIZER = 'petra.hoffmann@contoso.example';
const UID = 'weekly-standup-7731@contoso.example';

function calendar(method: string, components: string[][]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Contoso//Calendar 9//EN', `METHOD:${method}`, ...components.flat(), 'END:VCALENDAR', ''].join('\r\n');
}

function standup(o: { sequence: number; stamp: string; summary?: string; rid?: string; start?: string; status?: string; rrule?: boolean }): string[] {
  return [
    'BEGIN:VEVENT',
    `UID:${UID}`,
    `DTSTAMP:${o.stamp}`,
    `SEQUENCE:${o.sequence}`,
    ...(o.rid ? [`RECURRENCE-ID;TZID=Europe/Berlin:${o.rid}`] : []),
    `DTSTART;TZID=Europe/Berlin:${o.start ?? o.rid ?? '20261207T093000'}`,
    'DURATION:PT15M',
    ...(o.rrule ?? !o.rid ? ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10'] : []),
    `SUMMARY:${o.summary ?? 'Standup'}`,
    `ORGANIZER:mailto:${ORGANIZER}`,
    ...(o.status ? [`STATUS:${o.status}`] : []),
    'END:VEVENT',
  ];
}

async function send(box: Mailbox, method: string, components: string[][], subject = 'Standup'): Promise<string> {
  const raw = await compose({
    from: ORGANIZER,
    to: box.address,
    subject,
    text: 'See the invitation.',
    messageId: messageId('contoso.example'),
    icalEvent: { method, content: calendar(method, components) },
  });
  return (await sendOnce(robot.port, ORGANIZER, box.address, raw)).response;
}

async function stored(box: Mailbox) {
  const items = await itemsOf(store, box.collectionId);
  assert.equal(items.length, 1, 'one item for the UID');
  const cal = new ICAL.Component(ICAL.parse(items[0]!.icalendar) as unknown[]);
  const events = cal.getAllSubcomponents('vevent');
  return { item: items[0]!, master: events.find((e) => !e.hasProperty('recurrence-id')), overrides: events.filter((e) => e.hasProperty('recurrence-id')), text: items[0]!.icalendar };
}

describe('REQUEST and PUBLISH by UID', () => {
  it('creates, then updates with a newer SEQUENCE', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(box, 'REQUEST', [standup({ sequence: 0, stamp: '20261120T080000Z' })]), '250 2.6.0 accepted, 1 item stored');
    assert.equal(await send(box, 'REQUEST', [standup({ sequence: 1, stamp: '20261121T080000Z', summary: 'Standup (new room)' })]), '250 2.6.0 accepted, 1 item stored');
    const { item } = await stored(box);
    assert.equal(item.summary, 'Standup (new room)');
    assert.equal(item.version, 2);
  });

  it('answers a stale SEQUENCE with 250, changes nothing, and records why', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'REQUEST', [standup({ sequence: 3, stamp: '20261120T080000Z', summary: 'Standup v3' })]);
    const before = await stored(box);
    const r = await send(box, 'REQUEST', [standup({ sequence: 2, stamp: '20261122T080000Z', summary: 'Standup v2 (late)' })]);
    assert.equal(r, '250 2.6.0 accepted, nothing changed (see the inbound record)');
    const after = await stored(box);
    assert.equal(after.item.summary, 'Standup v3');
    assert.equal(after.item.etag, before.item.etag);
    const records = await inboundOf(store, box.addressId);
    const trace = JSON.parse(records.at(-1)!.trace);
    assert.equal(records.at(-1)!.outcome, 'accepted');
    assert.ok(trace.delivery.notes.some((n: string) => /stale update ignored: SEQUENCE 2 is older than the stored SEQUENCE 3/.test(n)), JSON.stringify(trace.delivery));
  });

  it('with equal SEQUENCE, a later DTSTAMP wins and an earlier one is stale', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'PUBLISH', [standup({ sequence: 1, stamp: '20261120T080000Z', summary: 'A' })]);
    await send(box, 'PUBLISH', [standup({ sequence: 1, stamp: '20261119T080000Z', summary: 'older' })]);
    assert.equal((await stored(box)).item.summary, 'A');
    await send(box, 'PUBLISH', [standup({ sequence: 1, stamp: '20261121T080000Z', summary: 'B' })]);
    assert.equal((await stored(box)).item.summary, 'B');
  });

  it('treats a calendar part without METHOD as PUBLISH', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const raw = await compose({
      from: ORGANIZER,
      to: box.address,
      subject: 'ics',
      messageId: messageId('contoso.example'),
      attachments: [{ filename: 'standup.ics', contentType: 'text/calendar', content: calendar('X', [standup({ sequence: 0, stamp: '20261120T080000Z' })]).replace(/^METHOD:X\r\n/m, '') }],
    });
    assert.equal((await sendOnce(robot.port, ORGANIZER, box.address, raw)).response, '250 2.6.0 accepted, 1 item stored');
  });
});

describe('single occurrences (RECURRENCE-ID)', () => {
  it('merges an update carrying only the changed occurrence into the series, keeping the master', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'REQUEST', [standup({ sequence: 0, stamp: '20261120T080000Z' })]);
    const r = await send(box, 'REQUEST', [standup({ sequence: 1, stamp: '20261121T080000Z', rid: '20261214T093000', start: '20261214T110000', summary: 'Standup (moved)' })]);
    assert.equal(r, '250 2.6.0 accepted, 1 item stored');
    const s = await stored(box);
    assert.equal(s.master!.getFirstPropertyValue('summary'), 'Standup');
    assert.ok(s.master!.hasProperty('rrule'));
    assert.equal(s.overrides.length, 1);
    assert.equal(s.overrides[0]!.getFirstPropertyValue('summary'), 'Standup (moved)');
    assert.equal(s.item.isRecurring, true);
  });

  it('cancels one occurrence only (EXDATE on the series, its exception dropped)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'REQUEST', [standup({ sequence: 0, stamp: '20261120T080000Z' })]);
    await send(box, 'REQUEST', [standup({ sequence: 1, stamp: '20261121T080000Z', rid: '20261221T093000', start: '20261221T100000' })]);
    const r = await send(box, 'CANCEL', [standup({ sequence: 2, stamp: '20261122T080000Z', rid: '20261221T093000', status: 'CANCELLED' })], 'Canceled: Standup');
    assert.equal(r, '250 2.6.0 accepted, 1 item stored');
    const s = await stored(box);
    assert.equal(s.overrides.length, 0);
    assert.equal(s.master!.getFirstPropertyValue('status'), null, 'the series itself is not cancelled');
    const exdate = s.master!.getFirstProperty('exdate')!;
    assert.equal(exdate.getParameter('tzid'), 'Europe/Berlin');
    assert.equal(String(exdate.getFirstValue()), '2026-12-21T09:30:00');
    assert.equal(s.master!.getFirstPropertyValue('summary'), 'Standup');
  });

  it('cancels the whole event when CANCEL has no RECURRENCE-ID', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'REQUEST', [standup({ sequence: 0, stamp: '20261120T080000Z' })]);
    await send(box, 'CANCEL', [standup({ sequence: 1, stamp: '20261122T080000Z', status: 'CANCELLED' })], 'Canceled: Standup');
    const s = await stored(box);
    assert.equal(s.master!.getFirstPropertyValue('status'), 'CANCELLED');
    assert.equal(s.master!.getFirstPropertyValue('sequence'), 1);
  });

  it('ignores a stale CANCEL', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(box, 'REQUEST', [standup({ sequence: 4, stamp: '20261120T080000Z' })]);
    assert.equal(await send(box, 'CANCEL', [standup({ sequence: 2, stamp: '20261122T080000Z' })]), '250 2.6.0 accepted, nothing changed (see the inbound record)');
    assert.equal((await stored(box)).master!.getFirstPropertyValue('status'), null);
  });

  it('answers a CANCEL for an event it never had with 250, storing nothing', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(box, 'CANCEL', [standup({ sequence: 1, stamp: '20261122T080000Z' })]), '250 2.6.0 accepted, nothing changed (see the inbound record)');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
  });
});
