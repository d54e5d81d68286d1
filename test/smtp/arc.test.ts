// ARC (RFC 8617) in the authenticity stage. A message DKIM-signed by
// signer.test is ARC-sealed by the mailing list lists.example (sealed with
// mailauth itself, its key published in the fixed test DNS). checkAuthenticity
// finds arc=pass; a sealed header or the seal's b= changed after sealing gives
// arc=fail; a message with no ARC headers gives arc=none. End to end, the
// robot records arc=pass in the inbound record's trace.
//
// Trusted sealers (SMTP_TRUSTED_ARC_SEALERS): the list tags the Subject and
// adds a footer, breaking signer.test's DKIM, so DMARC (p=reject) fails here.
// Only when lists.example is trusted, made the latest seal, its chain passes
// and its ARC-Authentication-Results say signer.test passed is the message
// authenticated (arcOverride names the sealer); otherwise it stays spoofed.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { authenticate, sealMessage } from 'mailauth';
import { arcOverride, checkAuthenticity, type ArcSealerView } from '../../src/smtp/authenticity.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('smtparc');
const key = dkimKey();
const listKey = dkimKey();
const forwarderKey = dkimKey();
const resolver = fixedResolver({
  ...testDns(key),
  // signer.test's own server is 192.0.2.10, so the list sees SPF pass for it.
  'TXT signer.test': [['v=spf1 ip4:192.0.2.10 -all']],
  // The list forwards from 127.0.0.1 with its own envelope sender, and seals with selector "arc".
  'TXT lists.example': [['v=spf1 ip4:127.0.0.1 ip6:::1 -all']],
  'TXT arc._domainkey.lists.example': [[listKey.record]],
  // A forwarder that passes the list's mail on and adds its own ARC set (i=2).
  'TXT arc._domainkey.forwarder.example': [[forwarderKey.record]],
});
const robot = await startTestRobot(store, resolver);
const trustingRobot = await startTestRobot(store, resolver, { SMTP_TRUSTED_ARC_SEALERS: 'Lists.Example' });

const FROM = 'news@signer.test';
const LIST_SENDER = 'bounces@lists.example';

/** What signer.test sent to the list: DKIM-signed, no ARC headers. */
const original = await compose({
  from: FROM,
  to: 'family@lists.example',
  subject: 'Pick up the cake',
  text: 'From the bakery on Main St.',
  messageId: messageId('signer.test'),
  dkim: { domainName: 'signer.test', keySelector: 'sel', privateKey: key.privateKey },
});

/** The list authenticates what signer.test's server handed it, and adds ARC set i=1. */
async function seal(message: Buffer): Promise<Buffer> {
  const { headers, arc } = await authenticate(message, {
    ip: '192.0.2.10',
    helo: 'mail.signer.test',
    sender: FROM,
    mta: 'mx.lists.example',
    resolver: resolver as never,
    disableBimi: true,
    seal: { signingDomain: 'lists.example', selector: 'arc', privateKey: listKey.privateKey },
  });
  assert.equal((arc as { status: { result: string } }).status.result, 'none', 'the list saw no earlier ARC chain');
  return Buffer.concat([Buffer.from(headers), message]);
}

const sealed = await seal(original);

/**
 * What a list such as Mailman does: authenticate the message on arrival from
 * signer.test's server, tag the Subject and add a footer (which breaks
 * signer.test's DKIM), then seal the changed message with what it saw on
 * arrival. sealMessage is given an explicit signTime (flaky without one).
 */
async function listResend(message: Buffer): Promise<Buffer> {
  const { arc } = await authenticate(message, { ip: '192.0.2.10', helo: 'mail.signer.test', sender: FROM, mta: 'mx.lists.example', resolver: resolver as never, disableBimi: true });
  const sawOnArrival = (arc as unknown as { authResults: string }).authResults;
  const tagged = message.toString('latin1').replace('Subject: Pick up the cake', 'Subject: [family] Pick up the cake');
  const changed = Buffer.from(`${tagged.replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n')}-- \r\nfamily mailing list\r\n`, 'latin1');
  const headers = await sealMessage(changed, { signingDomain: 'lists.example', selector: 'arc', privateKey: listKey.privateKey, authResults: sawOnArrival, cv: 'none', signTime: new Date() } as never);
  return Buffer.concat([headers, changed]);
}

const resent = await listResend(original);

/** The robot's verdict on a message the list forwarded to it from 127.0.0.1. */
const verdict = (raw: Buffer, trustedArcSealers?: string[]) =>
  checkAuthenticity({ raw, ip: '127.0.0.1', helo: 'mx.lists.example', mailFrom: LIST_SENDER, hostname: 'mx.tidings.test', from: FROM, trustedRelay: false, trustedArcSealers, resolver });

const DMARC_FAIL = 'DMARC fail for signer.test, whose policy is reject';

/** The value of the first header named `name` (unfolded), for checking the fixture. */
const header = (raw: Buffer, name: string) => {
  const block = raw.toString('latin1').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  return block.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)) ?? null;
};

test('the sealed message carries one complete ARC set from lists.example', () => {
  assert.match(header(sealed, 'ARC-Seal') ?? '', /\bi=1;.*\bcv=none;.*\bd=lists\.example;.*\bs=arc;.*\bb=/);
  assert.match(header(sealed, 'ARC-Message-Signature') ?? '', /\bi=1;.*\bd=lists\.example;/);
  assert.match(header(sealed, 'ARC-Authentication-Results') ?? '', /\bi=1;.*dkim=pass.*spf=pass/s);
  assert.equal(header(original, 'ARC-Seal'), null);
});

test('a valid ARC chain is verified: arc=pass', async () => {
  const v = await verdict(sealed);
  assert.equal(v.arc, 'pass');
  assert.equal(v.source, 'mailauth');
  assert.ok(resolver.asked.includes('TXT arc._domainkey.lists.example'), 'the seal key was looked up in the test DNS');
  // The list did not change the message, so signer.test's own DKIM still passes too.
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'pass' }]);
  assert.equal(v.authenticated, true);
  assert.equal(v.arcSealer, 'lists.example');
  assert.equal(v.arcOverride, null);
});

test('a signed header changed after sealing: arc=fail', async () => {
  const tampered = Buffer.from(sealed.toString('latin1').replace('Subject: Pick up the cake', 'Subject: Pick up the cash'), 'latin1');
  assert.notDeepEqual(tampered, sealed);
  const v = await verdict(tampered);
  assert.equal(v.arc, 'fail');
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'fail' }]);
});

test("the ARC-Seal's b= changed: arc=fail", async () => {
  const text = sealed.toString('latin1');
  const at = text.search(/^ARC-Seal:/m);
  const b = at + /[;\s]b=/.exec(text.slice(at))!.index + 3 + 10; // the 11th character of the signature
  const tampered = Buffer.from(text.slice(0, b) + (text[b] === 'A' ? 'B' : 'A') + text.slice(b + 1), 'latin1');
  assert.notDeepEqual(tampered, sealed);
  const v = await verdict(tampered);
  assert.equal(v.arc, 'fail');
  // Only the seal was touched: the message and its DKIM signature are intact.
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'pass' }]);
});

test('a message without ARC headers: arc=none', async () => {
  const v = await verdict(original);
  assert.equal(v.arc, 'none');
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'pass' }]);
});

test('end to end: the robot records arc=pass in the inbound trace', async () => {
  const box = await makeMailbox(store, { policy: 'anyone' });
  const r = await sendOnce(robot.port, LIST_SENDER, box.address, sealed);
  assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
  const records = await inboundOf(store, box.addressId);
  assert.equal(records.length, 1);
  const trace = JSON.parse(records[0]!.trace);
  assert.equal(trace.auth.source, 'mailauth');
  assert.equal(trace.auth.arc, 'pass');
  assert.equal(trace.auth.dmarc, 'pass');
  assert.equal(trace.auth.from, FROM);
});

test("the list's changes break signer.test's DKIM; its seal says what it saw on arrival", () => {
  assert.equal(header(resent, 'Subject'), 'Subject: [family] Pick up the cake');
  assert.match(resent.toString('latin1'), /\r\n-- \r\nfamily mailing list\r\n$/);
  assert.match(header(resent, 'ARC-Seal') ?? '', /\bi=1;.*\bcv=none;.*\bd=lists\.example;/);
  const aar = header(resent, 'ARC-Authentication-Results') ?? '';
  assert.match(aar, /\bi=1; mx\.lists\.example;/);
  assert.match(aar, /dkim=pass [^;]*header\.i=@signer\.test/);
  assert.match(aar, /dmarc=pass [^;]*header\.from=signer\.test/);
});

test('untrusted sealer (none configured): a list-broken DKIM under p=reject is spoofed, as without ARC', async () => {
  const v = await verdict(resent);
  assert.equal(v.arc, 'pass');
  // The footer changed the body: mailauth reports the body hash mismatch as neutral.
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'neutral' }]);
  assert.equal(v.dmarc, 'fail');
  assert.equal(v.dmarcPolicy, 'reject');
  assert.equal(v.spoofed, DMARC_FAIL);
  assert.equal(v.authenticated, false);
  assert.equal(v.arcSealer, 'lists.example');
  assert.equal(v.arcOverride, null);
});

test('untrusted sealer (others configured): still spoofed', async () => {
  for (const trusted of [['google.com'], ['example'], ['mx.lists.example'], ['sub.lists.example']]) {
    const v = await verdict(resent, trusted);
    assert.equal(v.spoofed, DMARC_FAIL, `trusting ${trusted}`);
    assert.equal(v.authenticated, false, `trusting ${trusted}`);
    assert.equal(v.arcOverride, null, `trusting ${trusted}`);
  }
});

test("trusted sealer: its ARC-Authentication-Results override the DMARC fail", async () => {
  const v = await verdict(resent, ['google.com', 'lists.example']);
  assert.equal(v.arc, 'pass');
  // Our own checks are recorded as they were: ARC explains them, it does not rewrite them.
  assert.equal(v.dmarc, 'fail');
  assert.deepEqual(v.dkim, [{ domain: 'signer.test', result: 'neutral' }]);
  assert.equal(v.spoofed, null);
  assert.equal(v.authenticated, true);
  assert.equal(v.arcOverride, 'lists.example');
});

test('trusted sealer, but the message was changed after sealing: arc=fail, spoofed', async () => {
  const tampered = Buffer.from(resent.toString('latin1').replace('Subject: [family] Pick up the cake', 'Subject: [family] Pick up the cash'), 'latin1');
  assert.notDeepEqual(tampered, resent);
  const v = await verdict(tampered, ['lists.example']);
  assert.equal(v.arc, 'fail');
  assert.equal(v.spoofed, DMARC_FAIL);
  assert.equal(v.authenticated, false);
  assert.equal(v.arcOverride, null);
  assert.equal(v.arcSealer, null);
});

test("trusted sealer, but its ARC-Authentication-Results were rewritten after sealing: arc=fail, spoofed", async () => {
  // Someone turns what the list saw into a pass: the seal covers that header, so the chain breaks.
  const text = resent.toString('latin1');
  const forged = Buffer.from(text.replace(/^(ARC-Authentication-Results: i=1; )mx\.lists\.example;/m, '$1mx2.lists.example;'), 'latin1');
  assert.notDeepEqual(forged, resent);
  const v = await verdict(forged, ['lists.example']);
  assert.equal(v.arc, 'fail');
  assert.equal(v.spoofed, DMARC_FAIL);
  assert.equal(v.arcOverride, null);
});

test('only the latest seal counts: a trusted list followed by an untrusted forwarder is not trusted', async () => {
  // forwarder.example receives the list's mail and adds ARC set i=2 (cv=pass), reporting the DMARC fail it saw.
  const { headers, arc } = await authenticate(resent, {
    ip: '127.0.0.1',
    helo: 'mx.lists.example',
    sender: LIST_SENDER,
    mta: 'mx.forwarder.example',
    resolver: resolver as never,
    disableBimi: true,
    seal: { signingDomain: 'forwarder.example', selector: 'arc', privateKey: forwarderKey.privateKey },
  });
  assert.equal((arc as { status: { result: string } }).status.result, 'pass', 'the forwarder saw the chain pass');
  const twice = Buffer.concat([Buffer.from(headers), resent]);
  assert.match(header(twice, 'ARC-Seal') ?? '', /\bi=2;.*\bcv=pass;.*\bd=forwarder\.example;/);

  const v = await verdict(twice, ['lists.example']);
  assert.equal(v.arc, 'pass');
  assert.equal(v.arcSealer, 'forwarder.example');
  assert.equal(v.spoofed, DMARC_FAIL);
  assert.equal(v.arcOverride, null);
  // Trusting the forwarder is not enough either: it saw DMARC fail (the list had already changed the message).
  const w = await verdict(twice, ['lists.example', 'forwarder.example']);
  assert.equal(w.spoofed, DMARC_FAIL);
  assert.equal(w.arcOverride, null);
});

describe('arcOverride: what a trusted sealer must have seen', () => {
  const failed = { spf: 'pass', dmarc: 'fail', arc: 'pass' };
  const view = (saw: Partial<ArcSealerView>): ArcSealerView => ({ sealer: 'lists.example', spf: null, dkim: [], dmarc: null, ...saw });
  const trusted = ['lists.example'];

  it('dmarc=pass for the From domain', () => {
    assert.equal(arcOverride(failed, view({ dmarc: { result: 'pass', from: 'signer.test' } }), 'signer.test', trusted), 'lists.example');
    assert.equal(arcOverride(failed, view({ dmarc: { result: 'pass', from: 'other.test' } }), 'signer.test', trusted), null, 'a pass for another From domain');
  });

  it('without a DMARC result: an aligned dkim=pass or spf=pass', () => {
    assert.equal(arcOverride(failed, view({ dkim: [{ result: 'pass', domain: 'mail.signer.test' }] }), 'signer.test', trusted), 'lists.example');
    assert.equal(arcOverride(failed, view({ spf: { result: 'pass', domain: 'signer.test' } }), 'signer.test', trusted), 'lists.example');
    assert.equal(arcOverride(failed, view({ dkim: [{ result: 'pass', domain: 'other.test' }], spf: { result: 'pass', domain: 'other.test' } }), 'signer.test', trusted), null, 'not aligned');
    assert.equal(arcOverride(failed, view({ dkim: [{ result: 'fail', domain: 'signer.test' }], spf: { result: 'softfail', domain: 'signer.test' } }), 'signer.test', trusted), null, 'not a pass');
  });

  it('never when the sealer itself saw dmarc=fail', () => {
    assert.equal(arcOverride(failed, view({ dmarc: { result: 'fail', from: 'signer.test' }, dkim: [{ result: 'pass', domain: 'signer.test' }] }), 'signer.test', trusted), null);
  });

  it('only to explain our own DMARC fail or SPF fail, with arc=pass and a trusted sealer', () => {
    const saw = view({ dmarc: { result: 'pass', from: 'signer.test' } });
    assert.equal(arcOverride({ spf: 'fail', dmarc: 'none', arc: 'pass' }, saw, 'signer.test', trusted), 'lists.example', 'an SPF hard fail');
    assert.equal(arcOverride({ spf: 'none', dmarc: 'none', arc: 'pass' }, saw, 'signer.test', trusted), null, 'nothing failed');
    assert.equal(arcOverride({ ...failed, arc: 'fail' }, saw, 'signer.test', trusted), null, 'arc=fail');
    assert.equal(arcOverride(failed, saw, 'signer.test', []), null, 'no trusted sealers');
    assert.equal(arcOverride(failed, saw, null, trusted), null, 'no From domain');
    assert.equal(arcOverride(failed, null, 'signer.test', trusted), null, 'no latest set');
  });
});

test('end to end: a list-resent message to an allowlist address is taken only when the sealer is trusted', async () => {
  const plain = await makeMailbox(store, { policy: 'allowlist', allowlist: [FROM] });
  const refused = await sendOnce(robot.port, LIST_SENDER, plain.address, resent);
  assert.equal(refused.response, `550 5.7.1 sender not allowed: the message failed authentication (${DMARC_FAIL})`);
  const [rejected] = await inboundOf(store, plain.addressId);
  const before = JSON.parse(rejected!.trace);
  assert.equal(before.auth.arc, 'pass');
  assert.equal(before.auth.arcSealer, 'lists.example');
  assert.equal(before.auth.arcOverride, null);

  const box = await makeMailbox(store, { policy: 'allowlist', allowlist: [FROM] });
  const r = await sendOnce(trustingRobot.port, LIST_SENDER, box.address, resent);
  assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
  const records = await inboundOf(store, box.addressId);
  assert.equal(records.length, 1);
  const trace = JSON.parse(records[0]!.trace);
  assert.equal(trace.auth.dmarc, 'fail');
  assert.equal(trace.auth.arc, 'pass');
  assert.equal(trace.auth.arcOverride, 'lists.example');
  assert.equal(trace.auth.authenticated, true);
  assert.equal(trace.auth.spoofed, null);
});

test('end to end: an address open to anyone still refuses it without a trusted sealer, and takes it with one', async () => {
  const plain = await makeMailbox(store, { policy: 'anyone' });
  const refused = await sendOnce(robot.port, LIST_SENDER, plain.address, resent);
  assert.equal(refused.response, `550 5.7.1 sender not allowed: the message failed authentication (${DMARC_FAIL})`);
  const box = await makeMailbox(store, { policy: 'anyone' });
  const r = await sendOnce(trustingRobot.port, LIST_SENDER, box.address, resent);
  assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
});
