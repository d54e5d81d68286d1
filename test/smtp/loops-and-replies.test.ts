// Loops are refused (554 5.4.6) and confirmations go only where they cannot
// start one: authenticated senders, never null senders, auto-submitted,
// bulk or list mail, nor addresses suspended after bounces, rate-limited per
// recipient. They are rows of the real outbox (delivered here by the
// outbox-delivery pass as .eml files). Tidings never writes to an
// invitation's attendees.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { itemsOf, makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('smtploops');
const resolver = fixedResolver(testDns(dkimKey()));
// MAIL_FROM is the From of every message Tidings sends, confirmations included.
const robot = await startTestRobot(store, resolver, { CONFIRMATIONS_PER_HOUR: '2', PUBLIC_URL: 'https://calendar.example.net', MAIL_FROM: 'Family Calendar <calendar@tidings.test>' });

const LOOP = /^554 5\.4\.6 mail loop detected: /;

describe('loops', () => {
  it('refuses our own loop header, our own Message-IDs, our own senders and too many Received headers', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const cases: Array<[string, Parameters<typeof compose>[0], string]> = [
      ['loop header', { from: 'a@partner.test', to: box.address, subject: 'x', messageId: messageId('partner.test'), headers: { 'X-Tidings-Loop': 'tidings.test' } }, 'a@partner.test'],
      ['our Message-ID', { from: 'a@partner.test', to: box.address, subject: 'x', messageId: '<abc@tidings.test>' }, 'a@partner.test'],
      ['our sender', { from: 'noreply@tidings.test', to: box.address, subject: 'x', messageId: messageId('partner.test') }, 'noreply@tidings.test'],
    ];
    for (const [what, options, envelopeFrom] of cases) {
      const r = await sendOnce(robot.port, envelopeFrom, box.address, await compose(options));
      assert.match(r.response, LOOP, what);
    }
    const received = Array.from({ length: 26 }, (_, i) => `Received: from hop${i}.example.org by hop${i + 1}.example.org; Wed, 25 Nov 2026 10:00:${String(i).padStart(2, '0')} +0000`).join('\r\n');
    const raw = Buffer.concat([Buffer.from(received + '\r\n'), await compose({ from: 'a@partner.test', to: box.address, subject: 'hops', messageId: messageId('partner.test') })]);
    assert.equal((await sendOnce(robot.port, 'a@partner.test', box.address, raw)).response, '554 5.4.6 mail loop detected: the message passed 26 mail servers');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
  });
});

describe('confirmations', () => {
  it('are off by default', async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const before = (await robot.outbox()).length;
    await sendOnce(robot.port, box.owner.email, box.address, await compose({ from: box.owner.email, to: box.address, subject: 'Buy milk', messageId: messageId() }));
    assert.equal((await robot.outbox()).length, before);
  });

  it('go to an authenticated sender, in text and HTML, marked auto-replied, and never to the attendees', async () => {
    const box = await makeMailbox(store, { policy: 'owner', confirmations: true });
    const before = (await robot.outbox()).length;
    const id = messageId();
    const raw = await compose({
      from: box.owner.email,
      to: box.address,
      subject: 'Fwd: Team dinner',
      messageId: id,
      icalEvent: {
        method: 'REQUEST',
        content: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:dinner-1@partner.test', 'DTSTAMP:20261120T080000Z', 'DTSTART:20261218T190000Z', 'SUMMARY:Team dinner <& drinks>', 'ORGANIZER:mailto:boss@partner.test', 'ATTENDEE:mailto:all-staff@partner.test', 'ATTENDEE:mailto:boss@partner.test', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
      },
    });
    assert.equal((await sendOnce(robot.port, box.owner.email, box.address, raw)).response, '250 2.6.0 accepted, 1 item stored');
    const sent = (await robot.outbox()).slice(before);
    assert.equal(sent.length, 1, 'one message, to the sender only');
    const reply = await simpleParser(sent[0]!);
    assert.equal(reply.to && !Array.isArray(reply.to) ? reply.to.text : '', box.owner.email);
    assert.deepEqual(reply.from?.value.map((a) => [a.name, a.address]), [['Family Calendar', 'calendar@tidings.test']], 'MAIL_FROM');
    assert.equal(reply.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(reply.inReplyTo, id);
    assert.equal(reply.headers.get('x-tidings-loop'), 'tidings.test');
    assert.match(reply.messageId ?? '', /^<confirmation\.[a-z2-7]+@tidings\.test>$/);
    assert.equal(reply.subject, 'Added to Family: Team dinner <& drinks>');
    // The collection is in Europe/Berlin: 19:00 UTC is 20:00 CET.
    assert.match(reply.text ?? '', /Your message “Fwd: Team dinner” was added to “Family”:\n\n {2}\+ Team dinner <& drinks> — Fri 18 Dec 2026, 20:00 CET \(event\)\n/);
    assert.match(String(reply.html), />Team dinner &lt;&amp; drinks&gt;<\/a>/);
    assert.match(reply.text ?? '', new RegExp(`https://calendar\\.example\\.net/collections/${box.collectionId}\\b`));
    // The envelope sender is the outbox's VERP address: a bounce of the confirmation is counted like any other.
    assert.match(sent[0]!, /^Return-Path: <bounces\+[a-z2-7]+@tidings\.test>\r\n/);
  });

  it('are never sent to null senders, auto-submitted, bulk or list mail, or unauthenticated senders', async () => {
    const box = await makeMailbox(store, { policy: 'anyone', confirmations: true });
    const before = (await robot.outbox()).length;
    const send = async (envelopeFrom: string, from: string, headers: Record<string, string> = {}) => {
      const raw = await compose({ from, to: box.address, subject: 'Buy milk', messageId: messageId(from.split('@')[1]), headers });
      const r = await sendOnce(robot.port, envelopeFrom, box.address, raw);
      assert.match(r.response, /^250 2\.6\.0 /, JSON.stringify(headers));
    };
    await send('', 'mailer-daemon@partner.test');
    await send('news@partner.test', 'news@partner.test', { 'Auto-Submitted': 'auto-generated' });
    await send('news@partner.test', 'news@partner.test', { Precedence: 'bulk' });
    await send('list@partner.test', 'list@partner.test', { 'List-Id': 'Club news <news.partner.test>' });
    await send('someone@nowhere.example', 'someone@nowhere.example');
    assert.equal((await itemsOf(store, box.collectionId)).length, 5);
    assert.equal((await robot.outbox()).length, before);
  });

  it('are not sent to an address suspended after bounces (the outbox would only bounce again)', async () => {
    const box = await makeMailbox(store, { policy: 'owner', confirmations: true });
    await store.db.mailBounce.create({ data: { email: box.owner.email, hardBounces: 3, lastStatus: '5.1.1', suspendedAt: new Date(), suspendedReason: '3 hard bounces (threshold 3)' } });
    const before = await store.db.outboxMessage.count();
    const r = await sendOnce(robot.port, box.owner.email, box.address, await compose({ from: box.owner.email, to: box.address, subject: 'Buy milk', messageId: messageId() }));
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
    assert.equal(await store.db.outboxMessage.count(), before);
  });

  it('are rate-limited per recipient', async () => {
    const box = await makeMailbox(store, { policy: 'owner', confirmations: true });
    const before = (await robot.outbox()).length;
    for (const subject of ['Buy milk', 'Buy bread', 'Buy eggs']) {
      await sendOnce(robot.port, box.owner.email, box.address, await compose({ from: box.owner.email, to: box.address, subject, messageId: messageId() }));
    }
    assert.equal((await itemsOf(store, box.collectionId)).length, 3);
    assert.equal((await robot.outbox()).length - before, 2, 'CONFIRMATIONS_PER_HOUR=2');
  });

  it('sent back to the robot are refused as a loop', async () => {
    const loopBox = await makeMailbox(store, { policy: 'anyone' });
    const sender = await makeMailbox(store, { policy: 'owner', confirmations: true });
    const before = (await robot.outbox()).length;
    await sendOnce(robot.port, sender.owner.email, sender.address, await compose({ from: sender.owner.email, to: sender.address, subject: 'Call the plumber', messageId: messageId() }));
    const [confirmation] = (await robot.outbox()).slice(before);
    assert.ok(confirmation);
    const r = await sendOnce(robot.port, 'noreply@tidings.test', loopBox.address, confirmation);
    assert.match(r.response, LOOP);
  });
});
