import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCollectionAddress, setAddressEnabled, findAddress } from '../../src/domain/addresses.ts';
import { setUserDisabled } from '../../src/domain/accounts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox } from '../helpers/robot-world.ts';
import { converse, SmtpClient, sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('smtpreplies');
const resolver = fixedResolver(testDns(dkimKey()));
const robot = await startTestRobot(store, resolver, { SMTP_MAX_RECIPIENTS: '3', MAX_MESSAGE_BYTES: '200000' });
/** The robot as configured out of the box (SMTP_MAX_RECIPIENTS unset). */
const defaults = await startTestRobot(store, resolver);

const plain = (from: string, to: string, subject = 'Buy milk') => compose({ from, to, subject, text: 'Two litres.', messageId: messageId() });

describe('EHLO', () => {
  it('offers SIZE, PIPELINING, 8BITMIME, SMTPUTF8 and ENHANCEDSTATUSCODES, and no AUTH or STARTTLS without a certificate', async () => {
    const [greeting, ehlo] = await converse(robot.port, ['EHLO client.test']);
    assert.match(greeting!, /^220 tidings\.test ESMTP Tidings$/);
    const lines = ehlo!.split('\n').map((l) => l.slice(4));
    for (const e of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE 200000']) assert.ok(lines.includes(e), `${e} in ${lines.join(' | ')}`);
    assert.ok(!lines.some((l) => l.startsWith('AUTH') || l === 'STARTTLS'), lines.join(' | '));
  });
});

describe('RCPT TO replies', () => {
  it('550 5.1.1 for an address not in the routing table (no relaying)', async () => {
    const box = await makeMailbox(store);
    const r = await sendOnce(robot.port, box.owner.email, ['nobody@tidings.test', 'someone@elsewhere.example'], await plain(box.owner.email, 'nobody@tidings.test'));
    assert.equal(r.rejected['nobody@tidings.test'], '550 5.1.1 no such address here');
    assert.equal(r.rejected['someone@elsewhere.example'], '550 5.1.1 no such address here');
  });

  it('accepts the address in any case and with a +tag', async () => {
    const box = await makeMailbox(store);
    const [local, domain] = box.address.split('@');
    const to = `${local!.toUpperCase()}+groceries@${domain!.toUpperCase()}`;
    const r = await sendOnce(robot.port, box.owner.email, to, await plain(box.owner.email, to));
    assert.match(r.response, /^250 2\.6\.0 accepted, 1 item stored$/);
    assert.equal((await itemsOf(store, box.collectionId)).length, 1);
  });

  it('550 5.2.1 for a disabled address, and for an address whose owner is disabled', async () => {
    const a = await makeMailbox(store);
    await setAddressEnabled(store, a.address, false, TEST_AUDIT);
    const r1 = await sendOnce(robot.port, a.owner.email, a.address, await plain(a.owner.email, a.address));
    assert.equal(r1.rejected[a.address], '550 5.2.1 this address is disabled: the address is disabled');
    const b = await makeMailbox(store);
    await setUserDisabled(store, b.owner.email, true, TEST_AUDIT);
    const r2 = await sendOnce(robot.port, b.owner.email, b.address, await plain(b.owner.email, b.address));
    assert.equal(r2.rejected[b.address], "550 5.2.1 this address is disabled: the address's owner is disabled");
  });

  it('552 5.2.2 when the owner is over quota', async () => {
    const box = await makeMailbox(store, { quotaBytes: 0n });
    const r = await sendOnce(robot.port, box.owner.email, box.address, await plain(box.owner.email, box.address));
    assert.equal(r.rejected[box.address], '552 5.2.2 the owner of this address is over quota');
  });

  it('552 5.2.2 at DATA when the items do not fit the quota left', async () => {
    const box = await makeMailbox(store, { quotaBytes: 300n });
    const r = await sendOnce(robot.port, box.owner.email, box.address, await plain(box.owner.email, box.address));
    assert.equal(r.response, '552 5.2.2 the owner of this address is over quota');
    assert.equal((await itemsOf(store, box.collectionId)).length, 0);
    assert.deepEqual((await inboundOf(store, box.addressId)).map((m) => [m.outcome, m.reply]), [['rejected', '552 5.2.2 the owner of this address is over quota']]);
  });

  it('accepts 100 recipients by default (RFC 5321 4.5.3.1.8 requires at least 100) and answers the 101st 452 4.5.3', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const more = [];
    for (let i = 0; i < 100; i++) {
      more.push((await createCollectionAddress(store, { actorUserId: box.owner.id, collectionId: box.collectionId, domain: 'tidings.test', policy: 'anyone' }, TEST_AUDIT)).address);
    }
    const to = [box.address, ...more];
    const replies = await converse(defaults.port, ['EHLO client.test', 'MAIL FROM:<someone@partner.test>', ...to.map((a) => `RCPT TO:<${a}>`), 'QUIT']);
    const rcpt = replies.slice(3, 3 + to.length);
    assert.deepEqual(rcpt.slice(0, 100), Array(100).fill('250 2.1.5 Accepted'));
    assert.match(rcpt[100]!, /^452 4\.5\.3 /);
  });

  it('452 4.5.3 past a lower configured recipient limit, and delivers to the recipients accepted before it', async () => {
    const boxes = await Promise.all([1, 2, 3, 4].map(() => makeMailbox(store, { policy: 'anyone' })));
    const to = boxes.map((b) => b.address);
    const r = await sendOnce(robot.port, 'someone@partner.test', to, await plain('someone@partner.test', to[0]!));
    assert.equal(r.rejected[to[3]!], '452 4.5.3 Error: too many recipients');
    assert.match(r.response, /^250 2\.6\.0 accepted, 3 items stored$/);
    for (const b of boxes.slice(0, 3)) assert.equal((await itemsOf(store, b.collectionId)).length, 1);
    assert.equal((await itemsOf(store, boxes[3]!.collectionId)).length, 0);
  });
});

describe('size', () => {
  it('552 5.3.4 when MAIL FROM declares a SIZE over the limit', async () => {
    const box = await makeMailbox(store);
    const replies = await converse(robot.port, ['EHLO client.test', `MAIL FROM:<${box.owner.email}> SIZE=300000`, `MAIL FROM:<${box.owner.email}> SIZE=1000`, `RCPT TO:<${box.address}>`]);
    assert.match(replies[2]!, /^552 5\.3\.4 /);
    assert.equal(replies[3], '250 2.1.0 Accepted');
    assert.equal(replies[4], '250 2.1.5 Accepted');
  });

  it('552 5.3.4 when the message itself is over the limit, and the session goes on', async () => {
    const box = await makeMailbox(store);
    const client = await SmtpClient.open(robot.port);
    try {
      const big = await compose({ from: box.owner.email, to: box.address, subject: 'Scan', text: 'x'.repeat(250_000), messageId: messageId() });
      const r = await client.send(box.owner.email, box.address, big);
      assert.match(r.response, /^552 5\.3\.4 /);
      const ok = await client.send(box.owner.email, box.address, await plain(box.owner.email, box.address));
      assert.match(ok.response, /^250 2\.6\.0 /);
    } finally {
      await client.close();
    }
    assert.equal((await itemsOf(store, box.collectionId)).length, 1);
  });
});

describe('every reply line carries one enhanced status code', () => {
  it('never doubles the code', async () => {
    const box = await makeMailbox(store);
    const r = await sendOnce(robot.port, box.owner.email, 'nobody@tidings.test', await plain(box.owner.email, 'x@y'));
    assert.doesNotMatch(r.rejected['nobody@tidings.test']!, /\d\.\d\.\d+ \d\.\d\.\d+/);
    assert.ok(await findAddress(store, box.address));
  });
});
