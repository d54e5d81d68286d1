// Done when: two users share a collection; a change by one over CalDAV or
// email (through the domain's one write path) produces one well-formed
// alert email for the other, as an .eml file the way a fresh install writes
// them under var/outbox/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser } from '../../src/domain/accounts.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import { alertRound, alertWorld, header, readEmlFiles } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('alerts_e2e');
const world = await alertWorld(db, {}, undefined);
const { store } = db;

const alice = await createUser(store, { email: 'alice@example.com', password: 'correct horse battery', displayName: 'Alice Liddell', timeZone: 'Europe/Berlin' }, TEST_AUDIT);
const bob = await createUser(store, { email: 'bob@example.org', password: 'correct horse battery', displayName: 'Bob', timeZone: 'America/New_York' }, TEST_AUDIT);
const family = await makeCollection(store, alice, { name: 'Family', timeZone: 'Europe/Berlin' });
await shareCollection(store, alice.id, family.id, bob.email, 'editor', TEST_AUDIT);

/** Runs the fan-out once the coalescing window has passed, then delivers; every .eml file so far. */
const round = () => alertRound(world);

describe('a change to a shared collection, end to end', () => {
  it('a CalDAV change by the owner gives the sharee one well-formed alert, and the owner none', async () => {
    await putItem(store, {
      actorUserId: alice.id,
      collectionId: family.id,
      origin: 'caldav',
      icalendar: eventIcs('dentist-1@example.com', { summary: 'Dentist', start: '20261201T090000Z', end: '20261201T100000Z', extra: 'LOCATION:Main Street 1' }),
    });
    const files = await round();
    assert.equal(files.length, 1);
    const { mail, raw } = files[0]!;
    assert.equal(header(mail, 'to'), 'Bob <bob@example.org>');
    assert.equal(mail.from?.value[0]?.address, 'notifications@tidings.example');
    assert.match(mail.subject ?? '', /^Family: “Dentist” added$/);
    assert.match(mail.messageId ?? '', /^<alert\.[a-z2-7]+@tidings\.example>$/);
    assert.match(raw, /^Return-Path: <bounces\+[a-z2-7]{26}@tidings\.example>\r\n/);
    assert.equal(header(mail, 'list-id'), '"Family" <c' + family.id + '.alerts.tidings.example>');
    assert.match(header(mail, 'list-unsubscribe'), /^<https:\/\/tidings\.example\/unsubscribe\/\d+\.\d+\.[0-9a-f]{32}>, <mailto:unsubscribe\+\d+\.\d+\.[0-9a-f]{32}@tidings\.example\?subject=unsubscribe>$/);
    assert.equal(header(mail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.equal(header(mail, 'auto-submitted'), 'auto-generated');
    assert.match(header(mail, 'references'), /^<item\.\d+\.[0-9a-f]{24}@tidings\.example>$/);
    // Bob reads New York time: 09:00 UTC is 04:00 EST.
    assert.match(mail.text ?? '', /Added:\n {2}\+ Dentist — Tue 1 Dec 2026, 04:00 GMT-5, Main Street 1\n {6}by Alice Liddell via a calendar app/);
    assert.match(mail.text ?? '', /https:\/\/tidings\.example\/collections\/\d+/);
    assert.match(String(mail.html), /<li style="[^"]*border-left:3px solid #1a7f37;/);
    assert.doesNotMatch(String(mail.html), /<style/);
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0]!.contentType, 'text/calendar');
    assert.match(mail.attachments[0]!.content.toString(), /UID:dentist-1@example\.com/);
  });

  it('an email change gives one more alert, threaded with the first, naming the fields and the channel', async () => {
    const before = await readEmlFiles(world.outboxDir);
    await putItem(store, {
      actorUserId: alice.id,
      collectionId: family.id,
      origin: 'email',
      icalendar: eventIcs('dentist-1@example.com', { summary: 'Dentist (moved)', start: '20261202T140000Z', end: '20261202T150000Z', extra: 'LOCATION:Main Street 1' }),
    });
    const files = await round();
    assert.equal(files.length, before.length + 1);
    const { mail } = files.find((f) => !before.some((b) => b.file === f.file))!;
    assert.match(mail.subject ?? '', /^Family: “Dentist \(moved\)” changed \(title, time, end\)$/);
    assert.match(mail.text ?? '', /title: “Dentist” → “Dentist \(moved\)”/);
    assert.match(mail.text ?? '', /time: Tue 1 Dec 2026, 04:00 GMT-5 → Wed 2 Dec 2026, 09:00 GMT-5/);
    assert.match(mail.text ?? '', /by Alice Liddell via email/);
    assert.equal(header(mail, 'references'), header(before[0]!.mail, 'references'));
  });

  it('every message on disk went to Bob: the owner was never alerted about her own changes', async () => {
    const files = await readEmlFiles(world.outboxDir);
    assert.ok(files.every((f) => header(f.mail, 'to') === 'Bob <bob@example.org>'));
    const rows = await store.db.outboxMessage.findMany();
    assert.ok(rows.every((r) => r.state === 'sent'));
  });
});
