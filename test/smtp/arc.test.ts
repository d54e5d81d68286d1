// ARC (RFC 8617) in the authenticity stage. A message DKIM-signed by
// signer.test is ARC-sealed by the mailing list lists.example (sealed with
// mailauth itself, its key published in the fixed test DNS). checkAuthenticity
// finds arc=pass; a sealed header or the seal's b= changed after sealing gives
// arc=fail; a message with no ARC headers gives arc=none. End to end, the
// robot records arc=pass in the inbound record's trace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticate } from 'mailauth';
import { checkAuthenticity } from '../../src/smtp/authenticity.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store } = await freshDatabase('smtparc');
const key = dkimKey();
const listKey = dkimKey();
const resolver = fixedResolver({
  ...testDns(key),
  // signer.test's own server is 192.0.2.10, so the list sees SPF pass for it.
  'TXT signer.test': [['v=spf1 ip4:192.0.2.10 -all']],
  // The list forwards from 127.0.0.1 with its own envelope sender, and seals with selector "arc".
  'TXT lists.example': [['v=spf1 ip4:127.0.0.1 ip6:::1 -all']],
  'TXT arc._domainkey.lists.example': [[listKey.record]],
});
const robot = await startTestRobot(store, resolver);

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

/** The robot's verdict on a message the list forwarded to it from 127.0.0.1. */
const verdict = (raw: Buffer) =>
  checkAuthenticity({ raw, ip: '127.0.0.1', helo: 'mx.lists.example', mailFrom: LIST_SENDER, hostname: 'mx.tidings.test', from: FROM, trustedRelay: false, resolver });

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
