// Exactly-once delivery: a retried message changes nothing; a database that
// fails in the middle of the delivery transaction gives 451 and leaves no
// trace, and the retry then succeeds, once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { openStore } from '../../src/store/index.ts';
import { freshDatabase, TEST_SERVER } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { SmtpClient, sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { writeSnapshot } from '../helpers/write-snapshot.ts';

const db = await freshDatabase('smtponce');
const { store } = db;
const resolver = fixedResolver(testDns(dkimKey()));
const robot = await startTestRobot(store, resolver);

const invitation = (box: Mailbox, id: string, uid = `once-${randomBytes(4).toString('hex')}@partner.test`) =>
  compose({
    from: 'organizer@partner.test',
    to: box.address,
    subject: 'Board meeting',
    messageId: id,
    icalEvent: {
      method: 'REQUEST',
      content: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Partner//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z', 'DTSTART:20261215T090000Z', 'DTEND:20261215T100000Z', 'SUMMARY:Board meeting', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
    },
  });

/** Everything a delivery writes, to prove a failed one wrote nothing. */
const snapshot = (box: Mailbox) => writeSnapshot(store, { collections: [box.collectionId], users: [box.owner.id], addressId: box.addressId });

describe('duplicate delivery', () => {
  it('answers a retried message (same Message-ID, same address) 250 and changes nothing', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const raw = await invitation(box, messageId('partner.test'));
    assert.equal((await sendOnce(robot.port, 'organizer@partner.test', box.address, raw)).response, '250 2.6.0 accepted, 1 item stored');
    const before = await snapshot(box);
    assert.equal((await sendOnce(robot.port, 'organizer@partner.test', box.address, raw)).response, '250 2.6.0 already delivered, nothing changed');
    assert.deepEqual(await snapshot(box), before);
  });

  it('tells duplicates apart by Message-ID, whatever the case of its letters', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const id = messageId('partner.test');
    await sendOnce(robot.port, 'organizer@partner.test', box.address, await compose({ from: 'organizer@partner.test', to: box.address, subject: 'Buy bread', messageId: id }));
    const again = await sendOnce(robot.port, 'organizer@partner.test', box.address, await compose({ from: 'organizer@partner.test', to: box.address, subject: 'Buy bread', messageId: id.toUpperCase() }));
    assert.equal(again.response, '250 2.6.0 already delivered, nothing changed');
    assert.equal((await itemsOf(store, box.collectionId)).length, 1);
  });

  it('delivers one message to several addresses once each', async () => {
    const a = await makeMailbox(store, { policy: 'anyone' });
    const b = await makeMailbox(store, { policy: 'anyone' });
    const raw = await invitation(a, messageId('partner.test'));
    assert.equal((await sendOnce(robot.port, 'organizer@partner.test', [a.address, b.address], raw)).response, '250 2.6.0 accepted, 2 items stored');
    assert.equal((await sendOnce(robot.port, 'organizer@partner.test', [a.address, b.address], raw)).response, '250 2.6.0 already delivered, nothing changed');
    assert.equal((await itemsOf(store, a.collectionId)).length, 1);
    assert.equal((await itemsOf(store, b.collectionId)).length, 1);
  });

  it('applies the same message sent over several connections at once exactly once', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const raw = await invitation(box, messageId('partner.test'));
    const clients = await Promise.all([1, 2, 3, 4].map(() => SmtpClient.open(robot.port)));
    try {
      const replies = await Promise.all(clients.map((c) => c.send('organizer@partner.test', box.address, raw)));
      assert.ok(replies.every((r) => r.response.startsWith('250 2.6.0 ')), replies.map((r) => r.response).join(' | '));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const s = await snapshot(box);
    assert.equal(s.items.length, 1);
    assert.equal(s.accepted, 1);
  });
});

// A second store logs in as a user who may write items and the change log
// but not insert inbound records: the transaction fails after the item
// write, at the record. Then the grant is given and the retry succeeds.
const user = `tid_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');
const admin = await mysql.createConnection(`${TEST_SERVER.replace(/\/+$/, '')}/${db.name}`);
await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
const [tables] = await admin.query<mysql.RowDataPacket[]>('SHOW TABLES');
for (const row of tables) {
  const table = Object.values(row)[0] as string;
  const rights = table === 'inbound_messages' ? 'SELECT, UPDATE' : 'SELECT, INSERT, UPDATE, DELETE';
  await admin.query(`GRANT ${rights} ON \`${db.name}\`.\`${table}\` TO '${user}'@'%'`);
}
const server = new URL(TEST_SERVER);
const limited = openStore(`mysql://${user}:${password}@${server.host}/${db.name}`, { connectionLimit: 4 });
const flaky = await startTestRobot(limited, resolver);
after(async () => {
  await limited.close();
  await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
  await admin.end();
});


describe('a database failure in the middle of the delivery transaction', () => {
  it('answers 451 4.3.0, leaves nothing half-written, and takes the retry once', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const before = await snapshot(box);
    const raw = await invitation(box, messageId('partner.test'));
    const first = await sendOnce(flaky.port, 'organizer@partner.test', box.address, raw);
    assert.equal(first.response, '451 4.3.0 temporary failure, please try again later');
    assert.deepEqual(await snapshot(box), before, 'no item, change, position, quota or record');

    await admin.query(`GRANT INSERT ON \`${db.name}\`.\`inbound_messages\` TO '${user}'@'%'`);
    const retry = await sendOnce(flaky.port, 'organizer@partner.test', box.address, raw);
    assert.equal(retry.response, '250 2.6.0 accepted, 1 item stored');
    const again = await sendOnce(flaky.port, 'organizer@partner.test', box.address, raw);
    assert.equal(again.response, '250 2.6.0 already delivered, nothing changed');
    const after = await snapshot(box);
    assert.equal(after.items.length, 1);
    assert.equal(after.changes.length, 1);
    assert.equal(after.accepted, 1);
    assert.deepEqual((await inboundOf(store, box.addressId)).map((r) => r.outcome), ['accepted']);
  });
});
