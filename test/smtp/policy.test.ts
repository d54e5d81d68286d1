// Sender policies (owner, members, allowlist, anyone) over SPF, DKIM and DMARC
// verified by mailauth against fixed DNS records, and trusted relays.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareCollection } from '../../src/domain/collections.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { makeUser, TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('smtppolicy');
const key = dkimKey();
const resolver = fixedResolver(testDns(key));
const robot = await startTestRobot(store, resolver);
const relayed = await startTestRobot(store, resolver, { SMTP_TRUSTED_RELAYS: '127.0.0.0/8,::1' });

const note = (from: string, to: string, extra: Parameters<typeof compose>[0] extends infer O ? Partial<O> : never = {}) =>
  compose({ from, to, subject: 'Pick up the cake', text: 'From the bakery on Main St.', messageId: messageId(from.split('@')[1]), ...extra });

const NOT_ALLOWED = /^550 5\.7\.1 sender not allowed: /;

describe('owner policy', () => {
  it("takes the owner's authenticated mail (SPF pass, DMARC pass)", async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const r = await sendOnce(robot.port, box.owner.email, box.address, await note(box.owner.email, box.address));
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
    const [record] = await inboundOf(store, box.addressId);
    const trace = JSON.parse(record!.trace);
    assert.equal(trace.auth.spf, 'pass');
    assert.equal(trace.auth.dmarc, 'pass');
    assert.equal(trace.auth.authenticated, true);
  });

  it('refuses someone else from the same domain, and records why for the owner', async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const other = await makeUser(store, 'other');
    const r = await sendOnce(robot.port, other.email, box.address, await note(other.email, box.address));
    assert.equal(r.response, `550 5.7.1 sender not allowed: only the address's owner may send to this address, and ${other.email} is not one of them`);
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    const records = await inboundOf(store, box.addressId);
    assert.deepEqual(records.map((m) => [m.outcome, m.reply, m.dedupeKey]), [['rejected', r.response, null]]);
  });

  it("refuses the owner's From address sent through a server that may not send for it (DMARC fail, p=reject)", async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const r = await sendOnce(robot.port, 'bounces@partner.test', box.address, await note(box.owner.email, box.address));
    assert.equal(r.response, '550 5.7.1 sender not allowed: the message failed authentication (DMARC fail for example.com, whose policy is reject)');
  });
});

describe('members policy', () => {
  it('takes mail from any member, refuses non-members', async () => {
    const box = await makeMailbox(store, { policy: 'members' });
    const member = await makeUser(store, 'member');
    const stranger = await makeUser(store, 'stranger');
    await shareCollection(store, box.owner.id, box.collectionId, member.email, 'viewer', TEST_AUDIT);
    assert.match((await sendOnce(robot.port, member.email, box.address, await note(member.email, box.address))).response, /^250 2\.6\.0 /);
    assert.match((await sendOnce(robot.port, box.owner.email, box.address, await note(box.owner.email, box.address))).response, /^250 2\.6\.0 /);
    const r = await sendOnce(robot.port, stranger.email, box.address, await note(stranger.email, box.address));
    assert.equal(r.response, `550 5.7.1 sender not allowed: only members of the collection may send to this address, and ${stranger.email} is not one of them`);
    assert.equal((await itemsOf(store, box.collectionId)).length, 2);
  });
});

describe('allowlist policy', () => {
  it('takes an allowed domain authenticated by aligned SPF (no DMARC record)', async () => {
    const box = await makeMailbox(store, { policy: 'allowlist', allowlist: ['@partner.test', 'ceo@relaxed.test'] });
    const r = await sendOnce(robot.port, 'travel@partner.test', box.address, await note('travel@partner.test', box.address));
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
  });

  it('takes an allowed sender authenticated by DKIM alone (SPF fails, DMARC passes on DKIM)', async () => {
    const box = await makeMailbox(store, { policy: 'allowlist', allowlist: ['news@signer.test'] });
    const raw = await note('news@signer.test', box.address, { dkim: { domainName: 'signer.test', keySelector: 'sel', privateKey: key.privateKey } });
    const r = await sendOnce(robot.port, 'news@signer.test', box.address, raw);
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
    const trace = JSON.parse((await inboundOf(store, box.addressId))[0]!.trace);
    assert.equal(trace.auth.spf, 'fail');
    assert.deepEqual(trace.auth.dkim, [{ domain: 'signer.test', result: 'pass' }]);
    assert.equal(trace.auth.dmarc, 'pass');
  });

  it('refuses an allowed address that is not authenticated (DMARC p=none fail)', async () => {
    const box = await makeMailbox(store, { policy: 'allowlist', allowlist: ['ceo@relaxed.test'] });
    const r = await sendOnce(robot.port, 'ceo@relaxed.test', box.address, await note('ceo@relaxed.test', box.address));
    assert.equal(r.response, '550 5.7.1 sender not allowed: ceo@relaxed.test may send here, but this message is not authenticated as coming from it (no aligned SPF, DKIM or DMARC pass)');
  });

  it('refuses senders not on the list', async () => {
    const box = await makeMailbox(store, { policy: 'allowlist', allowlist: ['@partner.test'] });
    const r = await sendOnce(robot.port, 'someone@example.org', box.address, await note('someone@example.org', box.address));
    assert.match(r.response, NOT_ALLOWED);
    assert.match(r.response, /senders on the address's allowlist/);
  });
});

describe('anyone policy', () => {
  it('takes mail from a domain with no records at all', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const r = await sendOnce(robot.port, 'hello@nowhere.example', box.address, await note('hello@nowhere.example', box.address));
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
  });

  it('still refuses spoofed mail (DMARC fail under p=reject)', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const r = await sendOnce(robot.port, 'billing@victim.test', box.address, await note('billing@victim.test', box.address));
    assert.equal(r.response, '550 5.7.1 sender not allowed: the message failed authentication (DMARC fail for victim.test, whose policy is reject)');
  });
});

describe('trusted relays', () => {
  const relayHeaders = (from: string) => ({
    'Authentication-Results': `mx.relay.test; spf=pass smtp.mailfrom=${from}; dkim=none; dmarc=pass (p=reject) header.from=${from.split('@')[1]}`,
  });

  it("believes a trusted relay's Authentication-Results (the relay rewrote the envelope sender)", async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const raw = await note(box.owner.email, box.address, { headers: relayHeaders(box.owner.email) });
    const r = await sendOnce(relayed.port, 'SRS0=abcd=XY=example.com=owner@relay.test', box.address, raw);
    assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
    const trace = JSON.parse((await inboundOf(store, box.addressId))[0]!.trace);
    assert.equal(trace.auth.source, 'trusted-relay');
  });

  it('ignores the same header from a client that is not a trusted relay', async () => {
    const box = await makeMailbox(store, { policy: 'owner' });
    const raw = await note(box.owner.email, box.address, { headers: relayHeaders(box.owner.email) });
    const r = await sendOnce(robot.port, 'SRS0=abcd=XY=example.com=owner@relay.test', box.address, raw);
    assert.match(r.response, NOT_ALLOWED);
    assert.match(r.response, /DMARC fail for example\.com/);
  });

  it('refuses what the trusted relay itself found forged', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const raw = await note('ceo@victim.test', box.address, { headers: { 'Authentication-Results': 'mx.relay.test; spf=fail smtp.mailfrom=ceo@victim.test; dmarc=fail (p=reject) header.from=victim.test' } });
    const r = await sendOnce(relayed.port, 'ceo@victim.test', box.address, raw);
    assert.equal(r.response, '550 5.7.1 sender not allowed: the message failed authentication (DMARC fail for victim.test, whose policy is reject)');
  });
});

describe('the test DNS', () => {
  it('was the only resolver asked', () => {
    assert.ok(resolver.asked.length > 0);
    assert.ok(resolver.asked.every((q) => /^(TXT|A|AAAA|MX|PTR) /.test(q)), resolver.asked.join(', '));
  });
});
