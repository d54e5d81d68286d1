// Outbox rows commit with their cause or not at all, and the sender
// interface the SMTP robot's confirmations go through (MailSender) queues
// mail the delivery job then sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmationMessage } from '../../src/mail/outgoing/compose/confirmation.ts';
import { enqueueMessages } from '../../src/domain/outbox/enqueue.ts';
import { OutboxSender, type MailSender } from '../../src/mail/outgoing/outbox/sender.ts';
import { run as deliver } from '../../src/jobs/outbox-delivery.ts';
import { prismaRunner } from '../../src/store/sql.ts';
import { alertWorld, header, readEmlFiles } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';

const db = await freshDatabase('enqueue');
const world = await alertWorld(db);
const { store } = db;

describe('the outbox in its cause\'s transaction', () => {
  it('a rolled-back transaction leaves no mail behind; a committed one leaves exactly its mail', async () => {
    const sender = new OutboxSender(store, 'tidings.example');
    await assert.rejects(
      store.db.$transaction(async (tx) => {
        await sender.enqueueWith(tx, { to: 'a@example.net', subject: 'never', text: 'never' });
        throw new Error('the write failed');
      }),
      /the write failed/,
    );
    assert.equal(await store.db.outboxMessage.count(), 0);
    await store.db.$transaction(async (tx) => {
      await enqueueMessages(prismaRunner(tx), 'tidings.example', [{ kind: 'alert', to: 'B@Example.net', subject: 's', text: 't' }], new Date());
    });
    const rows = await store.db.outboxMessage.findMany();
    assert.deepEqual(rows.map((r) => [r.kind, r.recipient, r.state]), [['alert', 'b@example.net', 'queued']]);
  });

  it('OutboxSender is the SMTP robot\'s MailSender: a confirmation is queued, then delivered as the robot worded it', async () => {
    const sender: MailSender = new OutboxSender(store, 'tidings.example');
    const { messageId } = await sender.send({
      from: 'Tidings <noreply@tidings.example>',
      to: 'sender@example.net',
      subject: 'Added to Family: Dentist',
      text: 'Your message reached Family.',
      html: '<p>Your message reached Family.</p>',
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Tidings-Loop': 'tidings.example' },
      inReplyTo: '<orig-1@mail.example.net>',
      references: '<orig-1@mail.example.net>',
    });
    assert.match(messageId, /^confirmation\.[a-z2-7]+@tidings\.example$/);
    world.clock.set(new Date(Date.now() + 1000));
    await deliver(world.ctx, new AbortController().signal);
    const [eml] = (await readEmlFiles(world.outboxDir)).filter((f) => header(f.mail, 'to') === 'sender@example.net');
    assert.ok(eml);
    assert.equal(header(eml.mail, 'from'), 'Tidings <noreply@tidings.example>');
    assert.equal(header(eml.mail, 'in-reply-to'), '<orig-1@mail.example.net>');
    assert.equal(header(eml.mail, 'auto-submitted'), 'auto-replied');
    assert.equal(header(eml.mail, 'x-tidings-loop'), 'tidings.example');
    assert.equal(eml.mail.messageId, `<${messageId}>`);
  });

  it('the templated confirmation (mailtemplates/confirmation) reads well in text and HTML', () => {
    const m = confirmationMessage(world.ctx.templates, { publicUrl: 'https://tidings.example' }, {
      to: 'sender@example.net',
      collection: { id: 4n, name: 'Family', timeZone: 'Europe/Berlin' },
      originalSubject: 'Fwd: Dentist <Tuesday>',
      inReplyTo: '<orig-2@mail.example.net>',
      items: [{ summary: 'Dentist', kind: 'event', start: new Date('2026-12-01T09:00:00Z'), resourceName: 'dentist.ics' }],
    });
    assert.equal(m.subject, 'Added to Family: Dentist');
    assert.match(m.text, /Your message “Fwd: Dentist <Tuesday>” was added to “Family”:\n\n {2}\+ Dentist — Tue 1 Dec 2026, 10:00 CET \(event\)/);
    assert.match(String(m.html), /“Fwd: Dentist &lt;Tuesday&gt;”/);
    // Mustache escapes "/" in attribute values (&#x2F;), as in every template.
    assert.match(String(m.html), /<a href="https:&#x2F;&#x2F;tidings\.example&#x2F;collections&#x2F;4&#x2F;items&#x2F;dentist\.ics"/);
    assert.equal(m.headers!['Auto-Submitted'], 'auto-replied');
    assert.equal(m.headers!['In-Reply-To'], '<orig-2@mail.example.net>');
  });

  it('the confirmation names updates and cancellations, and says why when nothing changed', () => {
    const collection = { id: 4n, name: 'Family', timeZone: 'Europe/Berlin' };
    const changed = confirmationMessage(world.ctx.templates, { publicUrl: 'https://tidings.example' }, {
      to: 'sender@example.net',
      collection,
      originalSubject: 'Updated: Dentist',
      inReplyTo: null,
      items: [
        { summary: 'Dentist', kind: 'event', start: new Date('2026-12-02T09:00:00Z'), resourceName: 'dentist.ics', action: 'update' },
        { summary: 'School fair', kind: 'event', start: new Date('2026-12-05T00:00:00+01:00'), allDay: true, resourceName: 'fair.ics', action: 'cancel' },
      ],
    });
    assert.equal(changed.subject, 'Updated in Family: Dentist and 1 more item');
    assert.match(changed.text, /Your message “Updated: Dentist” updated “Family”:\n\n {2}~ Dentist — Wed 2 Dec 2026, 10:00 CET \(event, updated\)\n {2}- School fair — Sat 5 Dec 2026 \(all day\) \(event, cancelled\)\n/);
    assert.equal(changed.headers!['In-Reply-To'], undefined);
    const nothing = confirmationMessage(world.ctx.templates, { publicUrl: 'https://tidings.example' }, {
      to: 'sender@example.net',
      collection,
      originalSubject: 'Dentist',
      inReplyTo: '<orig-3@mail.example.net>',
      items: [],
      why: 'this revision is already stored',
    });
    assert.equal(nothing.subject, 'Received by Family: nothing changed');
    assert.match(nothing.text, /Your message “Dentist” reached “Family”, but nothing in it changed: this revision is already stored/);
    assert.match(String(nothing.html), /nothing in it changed: this revision is already stored/);
  });
});
