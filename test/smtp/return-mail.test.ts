// Return mail through the real SMTP robot: alerts go out with the VERP
// envelope sender bounces+<token>@MAIL_DOMAIN; the member's mailbox is gone,
// so RFC 3464 reports come back from the null sender to that address. The
// robot takes them (250 after the bounce is committed), never turns them
// into items and never answers them; at BOUNCE_SUSPEND_THRESHOLD hard bounces
// the member's alerts stop. The List-Unsubscribe mailto works the same way.
// Everything real: smtp-server on port 0, nodemailer's SMTP client, MariaDB,
// the alert fan-out and outbox-delivery jobs writing .eml files, and the
// unsubscribe secret the service keeps in the database (UNSUBSCRIBE_SECRET unset).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { serviceSecret } from '../../src/domain/service-secrets.ts';
import { collectionMembers } from '../../src/domain/alerts/fanout-batch.ts';
import { getSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { isSuspended, listBounces } from '../../src/domain/bounces/bounces.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import { openStore } from '../../src/store/index.ts';
import { mysqlRunner } from '../../src/store/sql.ts';
import { alertRound, alertWorld, header, queueMessages, readEmlFiles, type EmlFile } from '../helpers/alerts.ts';
import { freshDatabase, TEST_SERVER } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { fixture } from '../helpers/fixtures.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { freePort } from '../helpers/spamd.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('returnmail');
const { store } = db;
const THRESHOLD = 3;
const resolver = fixedResolver(testDns(dkimKey()));
// UNSUBSCRIBE_SECRET unset everywhere: the jobs and the robot agree through the secret kept in the database.
const world = await alertWorld(db, { MAIL_DOMAIN: 'tidings.test', UNSUBSCRIBE_SECRET: '', BOUNCE_SUSPEND_THRESHOLD: String(THRESHOLD) });
const robot = await startTestRobot(store, resolver, { BOUNCE_SUSPEND_THRESHOLD: String(THRESHOLD) });
// spamd unreachable, SPAMD_DOWN=defer: collection mail waits (451), return mail never goes near spamd.
const spamdDown = await startTestRobot(store, resolver, { SPAMD_URL: `tcp://127.0.0.1:${await freePort()}`, SPAMD_TIMEOUT_MS: '1000' });

// A robot whose database user may read but not write mail_bounces: a bounce's transaction fails inside.
const flakyUser = `rm_${process.pid}`;
const flakyPassword = 'bounce-test-password';
const admin = await mysql.createConnection(`${TEST_SERVER.replace(/\/+$/, '')}/${db.name}`);
await admin.query(`CREATE USER '${flakyUser}'@'%' IDENTIFIED BY '${flakyPassword}'`);
const [tables] = await admin.query<mysql.RowDataPacket[]>('SHOW TABLES');
for (const row of tables) {
  const table = Object.values(row)[0] as string;
  await admin.query(`GRANT ${table === 'mail_bounces' ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE'} ON \`${db.name}\`.\`${table}\` TO '${flakyUser}'@'%'`);
}
const limited = openStore(`mysql://${flakyUser}:${flakyPassword}@${new URL(TEST_SERVER).host}/${db.name}`, { connectionLimit: 2 });
const flaky = await startTestRobot(limited, resolver);
after(async () => {
  await limited.close();
  await admin.query(`DROP USER IF EXISTS '${flakyUser}'@'%'`);
  await admin.end();
});

const alice = await createUser(store, { email: 'alice@example.com', password: 'correct horse battery', displayName: 'Alice', isAdmin: true }, TEST_AUDIT);
const bob = await createUser(store, { email: 'bob@example.net', password: 'correct horse battery', displayName: 'Bob' }, TEST_AUDIT);
const carol = await createUser(store, { email: 'carol@example.org', password: 'correct horse battery', displayName: 'Carol' }, TEST_AUDIT);
const family = await makeCollection(store, alice, { name: 'Family', timeZone: 'Europe/Berlin' });
await shareCollection(store, alice.id, family.id, bob.email, 'editor', TEST_AUDIT);
await shareCollection(store, alice.id, family.id, carol.email, 'viewer', TEST_AUDIT);

let round = 0;
/** Alice changes the collection; the fan-out runs once its window has passed, then the outbox is delivered. Returns the new alerts' .eml files. */
async function aliceChanges(): Promise<EmlFile[]> {
  const before = new Set((await readEmlFiles(world.outboxDir)).map((f) => f.file));
  round++;
  await putItem(store, { actorUserId: alice.id, collectionId: family.id, origin: 'caldav', icalendar: eventIcs(`dentist-${round}@example.com`, { summary: `Dentist ${round}` }) });
  return (await alertRound(world, { stepMs: 30 * 60_000, except: before })).filter((f) => f.file.endsWith('-alert.eml'));
}

const to = (f: EmlFile) => f.mail.to && !Array.isArray(f.mail.to) ? f.mail.to.value[0]!.address! : '';
const returnPath = (f: EmlFile) => /^Return-Path: <([^>]+)>\r\n/.exec(f.raw)![1]!;

/** A Postfix "user unknown" DSN (test/fixtures) for the message `alert`, addressed to its VERP return path. */
function dsnFor(alert: EmlFile): string {
  return fixture('dsn-postfix-user-unknown.eml')
    .replaceAll('bounces+placeholder@tidings.localhost', returnPath(alert))
    .replaceAll('gone@example.net', to(alert))
    .replace('<alert.abcdefghijklmnopqrstuvwx@tidings.localhost>', alert.mail.messageId!)
    .replace('Subject: Family: 1 change', `Subject: ${alert.mail.subject}`)
    .replaceAll('tidings.localhost', 'tidings.test');
}

/** What return mail must never touch: items, inbound records, the outbox. */
async function untouched() {
  const sql = mysqlRunner(store.pool);
  const [row] = await sql.rows<{ items: number; inbound: number; outbox: number; maxOutbox: string | null }>(
    'SELECT (SELECT COUNT(*) FROM items) AS items, (SELECT COUNT(*) FROM inbound_messages) AS inbound, (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT MAX(id) FROM outbox) AS maxOutbox',
  );
  return { items: Number(row!.items), inbound: Number(row!.inbound), outbox: Number(row!.outbox), maxOutbox: row!.maxOutbox };
}

const ACCEPTED = '250 2.6.0 message accepted';
const bobsAlerts: EmlFile[] = [];
const carolsAlerts: EmlFile[] = [];

describe('bounces of alerts, through the SMTP robot', () => {
  it('the alerts go out with a VERP return path that the routing table accepts', async () => {
    for (let i = 0; i < THRESHOLD; i++) {
      const files = await aliceChanges();
      bobsAlerts.push(...files.filter((f) => to(f) === bob.email));
      carolsAlerts.push(...files.filter((f) => to(f) === carol.email));
    }
    assert.equal(bobsAlerts.length, THRESHOLD);
    assert.equal(carolsAlerts.length, THRESHOLD);
    const tokens = new Set(bobsAlerts.map(returnPath));
    assert.equal(tokens.size, THRESHOLD, 'one VERP token per message');
    for (const address of tokens) assert.match(address, /^bounces\+[a-z2-7]{26}@tidings\.test$/);
  });

  it('a DSN from <> to the VERP address is taken (250) and counted; a retried one counts once; nothing is created or sent', async () => {
    const before = await untouched();
    const first = dsnFor(bobsAlerts[0]!);
    assert.equal((await sendOnce(robot.port, '', returnPath(bobsAlerts[0]!), first)).response, ACCEPTED);
    let [state] = await listBounces(store);
    assert.deepEqual([state!.email, state!.hardBounces, state!.lastStatus, state!.suspendedAt], [bob.email, 1, '5.1.1', null]);
    // The reporting MTA sends it again (it never saw our 250, say): same message, counted once.
    assert.equal((await sendOnce(robot.port, '', returnPath(bobsAlerts[0]!), first)).response, ACCEPTED);
    [state] = await listBounces(store);
    assert.equal(state!.hardBounces, 1);
    assert.deepEqual(await untouched(), before, 'no item, no inbound record, no outgoing mail');
    assert.deepEqual((await robot.outbox()).length, 0, 'the robot sent nothing back');
  });

  it('return mail never waits for spamd: with spamd down, collection mail is deferred but the DSN is taken', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const note = await compose({ from: 'ana@partner.test', to: box.address, subject: 'Pick up the dry cleaning', messageId: messageId('partner.test') });
    assert.match((await sendOnce(spamdDown.port, 'ana@partner.test', box.address, note)).response, /^451 4\.3\.0 /);
    const before = await untouched();
    assert.equal((await sendOnce(spamdDown.port, '', returnPath(bobsAlerts[0]!), dsnFor(bobsAlerts[0]!))).response, ACCEPTED);
    assert.equal((await listBounces(store))[0]!.hardBounces, 1, 'a repeat still counts once');
    assert.deepEqual(await untouched(), before);
  });

  it('a DSN for a collection address and the VERP address at once: each gets its own handling', async () => {
    // The collection address's owner-only policy refuses the DSN (MAILER-DAEMON is not its owner)
    // and records that for the owner; the bounce address takes it regardless of any sender policy.
    const box = await makeMailbox(store, { policy: 'owner', confirmations: true });
    const before = await untouched();
    const r = await sendOnce(robot.port, '', [returnPath(bobsAlerts[1]!), box.address], dsnFor(bobsAlerts[1]!));
    assert.deepEqual(r.rejected, {});
    assert.equal(r.response, `${ACCEPTED} (refused for 1 other address(es))`);
    assert.equal((await listBounces(store))[0]!.hardBounces, 2);
    assert.equal(await isSuspended(store, bob.email), false, 'below the threshold');
    const records = await inboundOf(store, box.addressId);
    assert.deepEqual(records.map((x) => [x.outcome, x.reply.slice(0, 9)]), [['rejected', '550 5.7.1']]);
    const now = await untouched();
    assert.deepEqual({ ...now, inbound: now.inbound - 1 }, before, 'only the refusal record: no item, no mail');
  });

  it(`at ${THRESHOLD} hard bounces the member's alerts are suspended, with the reason recorded`, async () => {
    const before = await untouched();
    assert.equal((await sendOnce(robot.port, '', returnPath(bobsAlerts[2]!), dsnFor(bobsAlerts[2]!))).response, ACCEPTED);
    assert.equal(await isSuspended(store, bob.email), true);
    const [state] = await listBounces(store, { suspendedOnly: true });
    assert.equal(state!.email, bob.email);
    assert.match(state!.suspendedReason, /^3 hard bounces \(threshold 3\); last: 5\.1\.1 smtp; 550 5\.1\.1 <bob@example\.net>/);
    const bobAsMember = (await collectionMembers(mysqlRunner(store.pool), family.id)).find((m) => m.userId === bob.id);
    assert.equal(bobAsMember!.suspended, true);
    assert.deepEqual(await untouched(), before);
    // The next change reaches Carol, not Bob.
    const next = await aliceChanges();
    assert.deepEqual(next.map(to), [carol.email]);
  });

  it('an unknown or forged token, or the bare address, gets the same 250 and changes nothing', async () => {
    // 250-and-drop, not 550 5.1.1: see src/smtp/stages/return-mail.ts (a refused DSN only
    // makes a double bounce, tokens expire legitimately, and a 550 would tell which tokens exist).
    const before = await untouched();
    const bounces = await listBounces(store);
    const garbage = dsnFor(bobsAlerts[0]!).replaceAll(returnPath(bobsAlerts[0]!), 'bounces+garbage@tidings.test');
    for (const rcpt of ['bounces+garbage@tidings.test', 'BOUNCES+GARBAGE@TIDINGS.TEST', 'bounces@tidings.test', 'bounces+@tidings.test']) {
      const r = await sendOnce(robot.port, '', rcpt, garbage);
      assert.deepEqual([r.response, r.rejected], [ACCEPTED, {}], rcpt);
    }
    // Not a DSN at all (an out-of-office reply to the VERP address): also dropped.
    const ooo = await compose({ from: 'bob@example.net', to: returnPath(bobsAlerts[0]!), subject: 'Out of office', text: 'I am away.', messageId: messageId('example.net'), headers: { 'Auto-Submitted': 'auto-replied' } });
    assert.equal((await sendOnce(robot.port, 'bob@example.net', returnPath(bobsAlerts[0]!), ooo)).response, ACCEPTED);
    assert.deepEqual(await listBounces(store), bounces);
    assert.deepEqual(await untouched(), before);
  });

  it('an internal failure is 451 4.3.0 (the reporting MTA retries), and the retry counts once', async () => {
    const [sent] = await queueMessages(store, 'tidings.test', ['dave@example.net']);
    const verp = `bounces+${sent!.verpToken}@tidings.test`;
    const dsn = fixture('dsn-postfix-user-unknown.eml').replaceAll('bounces+placeholder@tidings.localhost', verp).replaceAll('gone@example.net', 'dave@example.net');
    const failed = await sendOnce(flaky.port, '', verp, dsn);
    assert.equal(failed.response, '451 4.3.0 temporary failure, please try again later');
    assert.equal((await listBounces(store)).some((b) => b.email === 'dave@example.net'), false, 'nothing half-written');
    const marked = await store.db.outboxMessage.findFirstOrThrow({ where: { verpToken: sent!.verpToken } });
    assert.doesNotMatch(marked.lastError, /^bounced:/, 'the outbox mark rolled back with it');

    await admin.query(`GRANT INSERT, UPDATE ON \`${db.name}\`.\`mail_bounces\` TO '${flakyUser}'@'%'`);
    assert.equal((await sendOnce(flaky.port, '', verp, dsn)).response, ACCEPTED);
    assert.equal((await sendOnce(flaky.port, '', verp, dsn)).response, ACCEPTED);
    assert.equal((await listBounces(store)).find((b) => b.email === 'dave@example.net')!.hardBounces, 1);
  });
});

describe('the List-Unsubscribe mailto, through the SMTP robot', () => {
  it('mail to unsubscribe+<token>@ turns that one subscription off, and is never answered', async () => {
    const alert = carolsAlerts[0]!;
    const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(header(alert.mail, 'list-unsubscribe'))![1]!;
    assert.match(mailto, /^unsubscribe\+\d+\.\d+\.[0-9a-f]{32}@tidings\.test$/);
    assert.equal((await getSubscription(store, carol.id, family.id)).mode, 'immediate');
    const before = await untouched();
    // What a mail client sends for the mailto link.
    const raw = await compose({ from: 'Carol <carol@example.org>', to: mailto, subject: 'unsubscribe', text: '', messageId: messageId('example.org') });
    assert.equal((await sendOnce(robot.port, 'carol@example.org', mailto, raw)).response, ACCEPTED);
    assert.equal((await getSubscription(store, carol.id, family.id)).mode, 'off');
    assert.deepEqual(await untouched(), before, 'no item, no record, no reply');
    // Sent again: still 250, still off. A forged token: 250, and nobody else is touched.
    assert.equal((await sendOnce(robot.port, 'carol@example.org', mailto, raw)).response, ACCEPTED);
    // Carol's token with Bob's user id: the signature does not match, Bob keeps his alerts setting.
    const forged = mailto.replace(/^unsubscribe\+\d+/, `unsubscribe+${bob.id}`);
    assert.notEqual(forged, mailto);
    assert.equal((await sendOnce(robot.port, 'mallory@example.org', forged, raw)).response, ACCEPTED);
    assert.equal((await getSubscription(store, bob.id, family.id)).mode, 'immediate');
    // The next change alerts nobody: Bob is suspended, Carol unsubscribed, Alice made it.
    assert.deepEqual(await aliceChanges(), []);
  });
});
