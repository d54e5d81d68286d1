// Bounces: DSNs (RFC 3464) to the VERP address are parsed and tied to the
// message that carried the token; hard bounces over the threshold suspend
// mail to the address with the reason recorded, until an admin clears it
// (CLI and API). Forged or repeated reports change nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser } from '../../src/domain/accounts.ts';
import { collectionMembers } from '../../src/domain/alerts/fanout-batch.ts';
import { handleBounce, isSuspended, listBounces } from '../../src/domain/bounces/bounces.ts';
import { isHardBounce, parseDsn } from '../../src/domain/bounces/dsn.ts';
import { ensureReturnRoutes, receiveReturnMail } from '../../src/domain/bounces/return-mail.ts';
import { findAddress } from '../../src/domain/addresses.ts';
import { mysqlRunner } from '../../src/store/sql.ts';
import { queueMessages } from '../helpers/alerts.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { fixture } from '../helpers/fixtures.ts';
import { TEST_AUDIT, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('bounces');
const { store } = db;
const userUnknown = fixture('dsn-postfix-user-unknown.eml');
const mailboxFull = fixture('dsn-exchange-mailbox-full-delayed.eml');
const settings = { unsubscribeSecret: 'x'.repeat(40), bounceSuspendThreshold: 3 };

describe('parsing delivery status notifications (RFC 3464)', () => {
  it('reads a Postfix "user unknown" report as a hard bounce', () => {
    const report = parseDsn(userUnknown)!;
    assert.equal(report.reportingMta, 'mail.example.net');
    assert.deepEqual(report.recipients, [
      {
        finalRecipient: 'gone@example.net',
        action: 'failed',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    ]);
    assert.equal(isHardBounce(report.recipients[0]!), true);
  });

  it('reads an Exchange "delayed, mailbox full" report as soft', () => {
    const [r] = parseDsn(mailboxFull)!.recipients;
    assert.deepEqual([r!.finalRecipient, r!.action, r!.status], ['full@example.com', 'delayed', '4.2.2']);
    assert.equal(isHardBounce(r!), false);
  });

  it('returns null for mail that is no DSN (an auto-reply, a person)', () => {
    assert.equal(parseDsn('From: someone@example.net\r\nSubject: Out of office\r\n\r\nI am away.\r\n'), null);
  });
});

describe('handling bounces', () => {
  it('puts bounces@ and unsubscribe@ MAIL_DOMAIN in the routing table as kind bounce', async () => {
    await createUser(store, { email: 'admin@example.com', password: 'correct horse battery', isAdmin: true }, TEST_AUDIT);
    await ensureReturnRoutes(store, 'tidings.example');
    await ensureReturnRoutes(store, 'tidings.example');
    const route = await findAddress(store, 'bounces+abc@tidings.example');
    assert.equal(route?.kind, 'bounce');
    assert.equal((await findAddress(store, 'unsubscribe+abc@tidings.example'))?.kind, 'bounce');
  });

  it('suspends an address after the threshold of hard bounces, recording why; soft and repeated ones do not count', async () => {
    const sent = await queueMessages(store, 'tidings.example', ['gone@example.net', 'gone@example.net', 'gone@example.net', 'gone@example.net']);
    const first = await handleBounce(store, sent[0]!.verpToken, userUnknown);
    assert.deepEqual(first, { outcome: 'hard', recipient: 'gone@example.net', status: '5.1.1', hardBounces: 1, suspended: false });
    assert.equal((await handleBounce(store, sent[0]!.verpToken, userUnknown)).outcome, 'duplicate');
    const soft = await handleBounce(store, sent[1]!.verpToken, mailboxFull);
    assert.equal(soft.outcome, 'soft');
    // Through the SMTP robot's entry point, with the token upper-cased by some MTA on the way.
    const second = await receiveReturnMail(store, settings, `bounces+${sent[2]!.verpToken.toUpperCase()}@tidings.example`, userUnknown);
    assert.equal(second.kind === 'bounce' && second.hardBounces, 2);
    assert.equal(await isSuspended(store, 'gone@example.net'), false);
    const third = await handleBounce(store, sent[3]!.verpToken, Buffer.from(userUnknown));
    assert.equal(third.suspended, true);
    const [row] = await listBounces(store, { suspendedOnly: true });
    assert.equal(row!.email, 'gone@example.net');
    assert.deepEqual([row!.hardBounces, row!.softBounces], [3, 1]);
    assert.match(row!.suspendedReason, /^3 hard bounces \(threshold 3\); last: 5\.1\.1 smtp; 550 5\.1\.1/);
    const marked = await store.db.outboxMessage.findFirstOrThrow({ where: { verpToken: sent[0]!.verpToken } });
    assert.match(marked.lastError, /^bounced: 5\.1\.1/);
  });

  it('ignores a report with an unknown token, or one that is no DSN', async () => {
    assert.deepEqual(await handleBounce(store, 'notatokenweissued', userUnknown), { outcome: 'unknown-token' });
    const [queued] = await queueMessages(store, 'tidings.example', ['someone@example.net']);
    assert.equal((await handleBounce(store, queued!.verpToken, 'Subject: thanks\r\n\r\nGot it.')).outcome, 'not-a-dsn');
  });

  it('a suspended address is no longer mailed: the fan-out sees the member as suspended', async () => {
    const owner = await createUser(store, { email: 'gone@example.net', password: 'correct horse battery' }, TEST_AUDIT);
    const c = await makeCollection(store, owner);
    const [member] = await collectionMembers(mysqlRunner(store.pool), c.id);
    assert.equal(member!.suspended, true);
  });

  it('an admin sees and clears it with the CLI', async () => {
    const env = { DATABASE_URL: db.url };
    const list = await runCli(['bounces', 'list', '--suspended', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).bounces.map((b: { email: string }) => b.email), ['gone@example.net']);
    const human = await runCli(['bounces', 'list'], env);
    assert.match(human.stdout, /gone@example\.net {2}SUSPENDED since .*: 3 hard bounces/);
    const clear = await runCli(['bounces', 'clear', 'Gone@Example.net'], env);
    assert.equal(clear.code, 0, clear.stderr);
    assert.match(clear.stdout, /cleared gone@example\.net: mail to it is no longer suspended/);
    assert.equal(await isSuspended(store, 'gone@example.net'), false);
    const again = await runCli(['bounces', 'clear', 'gone@example.net'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no bounces recorded for gone@example\.net/);
  });
});
