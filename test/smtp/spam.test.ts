// Spam through a real spamd: refused at the reject score, held in quarantine
// between the thresholds (the owner releases or deletes it over the JSON API
// or the command line), and spamd down: 451, or accepted and flagged.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { startServer } from '../helpers/dav.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { freePort, GTUBE, startSpamd } from '../helpers/spamd.ts';
import { makeUser } from '../helpers/world.ts';

const { store, url: databaseUrl } = await freshDatabase('smtpspam');
const spamd = await startSpamd();
after(() => spamd.stop());
const resolver = fixedResolver(testDns(dkimKey()));
const strict = await startTestRobot(store, resolver, { SPAMD_URL: spamd.url });
const holding = await startTestRobot(store, resolver, { SPAMD_URL: spamd.url, SPAM_QUARANTINE_SCORE: '-100', SPAM_REJECT_SCORE: '100' });
const nowhere = `tcp://127.0.0.1:${await freePort()}`;
const down = await startTestRobot(store, resolver, { SPAMD_URL: nowhere, SPAMD_TIMEOUT_MS: '1000' });
const lenient = await startTestRobot(store, resolver, { SPAMD_URL: nowhere, SPAMD_TIMEOUT_MS: '1000', SPAMD_DOWN: 'accept' });

const api = `${await startServer(store)}/api/v1`;
const PASSWORD = 'correct horse battery';
const basic = (email: string, password = PASSWORD) => ({ authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` });

const note = (box: Mailbox, subject: string, text: string) =>
  compose({ from: 'Ana Pereira <ana@partner.test>', to: box.address, subject, text, messageId: messageId('partner.test'), date: new Date('2026-11-25T10:00:00Z') });
const send = async (port: number, box: Mailbox, subject = 'Pick up the dry cleaning', text = 'Ticket 4471, ready after 5pm.') =>
  (await sendOnce(port, 'ana@partner.test', box.address, await note(box, subject, text))).response;

describe('spam scores', () => {
  it('refuses GTUBE with 550 5.7.1 and records score and rules for the owner', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(strict.port, box, 'Cheap watches', `Buy now!\n${GTUBE}\n`), '550 5.7.1 message refused as spam: spam score 1000');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    const [record] = await inboundOf(store, box.addressId);
    assert.equal(record!.outcome, 'rejected');
    assert.ok(record!.spamScore! >= 1000);
    assert.ok(JSON.parse(record!.trace).spam.symbols.includes('GTUBE'));
  });

  it('takes a clean message and records its score', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(strict.port, box), '250 2.6.0 accepted, 1 item stored');
    const [record] = await inboundOf(store, box.addressId);
    assert.equal(typeof record!.spamScore, 'number');
    assert.ok(record!.spamScore! < 5);
    assert.equal(JSON.parse(record!.trace).spam.verdict, 'ham');
  });
});

describe('quarantine', () => {
  it('holds a message between the thresholds; the owner lists and releases it over the API, and it is delivered once', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(holding.port, box), '250 2.6.0 message held for review by the owner');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);

    const list = await fetch(`${api}/quarantine`, { headers: basic(box.owner.email) });
    assert.equal(list.status, 200);
    const { messages } = (await list.json()) as { messages: Array<{ id: string; subject: string; spamScore: number; rcptTo: string }> };
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.subject, 'Pick up the dry cleaning');
    assert.equal(messages[0]!.rcptTo, box.address);

    const released = await fetch(`${api}/quarantine/${messages[0]!.id}/release`, { method: 'POST', headers: basic(box.owner.email) });
    assert.equal(released.status, 200);
    const body = (await released.json()) as { items: Array<{ summary: string; action: string }> };
    assert.deepEqual(body.items.map((i) => [i.summary, i.action]), [['Pick up the dry cleaning', 'create']]);
    assert.equal((await itemsOf(store, box.collectionId)).length, 1);
    assert.deepEqual((await inboundOf(store, box.addressId)).map((r) => r.outcome), ['accepted']);

    const again = await fetch(`${api}/quarantine/${messages[0]!.id}/release`, { method: 'POST', headers: basic(box.owner.email) });
    assert.equal(again.status, 404);
    assert.equal((await itemsOf(store, box.collectionId)).length, 1);
  });

  it('lets the owner delete a held message; nobody else sees or touches it', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const stranger = await makeUser(store, 'stranger');
    await send(holding.port, box, 'Seminar invitation');
    const [held] = await store.db.quarantinedMessage.findMany({ where: { userId: box.owner.id } });
    const id = held!.inboundMessageId.toString();
    assert.equal((await fetch(`${api}/quarantine`, { headers: basic(box.owner.email, 'wrong password') })).status, 401);
    const theirs = (await (await fetch(`${api}/quarantine`, { headers: basic(stranger.email) })).json()) as { messages: unknown[] };
    assert.deepEqual(theirs.messages, []);
    assert.equal((await fetch(`${api}/quarantine/${id}/release`, { method: 'POST', headers: basic(stranger.email) })).status, 404);
    assert.equal((await fetch(`${api}/quarantine/${id}`, { method: 'DELETE', headers: basic(stranger.email) })).status, 404);
    assert.equal((await fetch(`${api}/quarantine/${id}`, { method: 'DELETE', headers: basic(box.owner.email) })).status, 204);
    assert.equal(await store.db.quarantinedMessage.count({ where: { userId: box.owner.id } }), 0);
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    const inbound = (await (await fetch(`${api}/inbound`, { headers: basic(box.owner.email) })).json()) as { messages: Array<{ outcome: string; reply: string; trace: { spam: { verdict: string } } }> };
    assert.deepEqual(inbound.messages.map((m) => [m.outcome, m.reply, m.trace.spam.verdict]), [['quarantined', 'deleted from quarantine by its owner', 'quarantine']]);
  });

  it('is managed from the command line: quarantine list, release and delete', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    await send(holding.port, box, 'Book club Thursday 19:00');
    await send(holding.port, box, 'Newsletter');
    const env = { DATABASE_URL: databaseUrl };
    const listed = await runCli(['quarantine', 'list', box.owner.email, '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const messages = (JSON.parse(listed.stdout) as { messages: Array<{ id: string; subject: string }> }).messages;
    assert.deepEqual(messages.map((m) => m.subject).sort(), ['Book club Thursday 19:00', 'Newsletter']);
    const bookClub = messages.find((m) => m.subject.startsWith('Book club'))!;
    const newsletter = messages.find((m) => m.subject === 'Newsletter')!;
    const released = await runCli(['quarantine', 'release', bookClub.id], env);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, new RegExp(`^released ${bookClub.id}: create Book club`));
    const deleted = await runCli(['quarantine', 'delete', newsletter.id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual((await itemsOf(store, box.collectionId)).map((i) => [i.kind, i.summary]), [['VEVENT', 'Book club']]);
    const missing = await runCli(['quarantine', 'release', newsletter.id], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no quarantined message/);
    const inbound = await runCli(['inbound', 'list', box.owner.email], env);
    assert.equal(inbound.code, 0, inbound.stderr);
    assert.match(inbound.stdout, /\taccepted\t/);
  });
});

describe('spamd unreachable', () => {
  it('defers the message with 451 4.3.0 by default', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(down.port, box), '451 4.3.0 temporary failure, please try again later: the spam check is unavailable');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    assert.deepEqual((await inboundOf(store, box.addressId)).map((r) => r.outcome), ['deferred']);
  });

  it('accepts and flags the record when SPAMD_DOWN=accept', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    assert.equal(await send(lenient.port, box), '250 2.6.0 accepted, 1 item stored');
    const [record] = await inboundOf(store, box.addressId);
    const spam = JSON.parse(record!.trace).spam;
    assert.equal(spam.verdict, 'unchecked');
    assert.match(spam.reason, /^spamd unavailable, accepted unchecked/);
    assert.equal(record!.spamScore, null);
  });
});
