// The Postfix mysql_table(5) query documented in README "SMTP robot", run as
// written there (with %u and %d expanded and quoted the way Postfix does),
// against the real routing table: collection addresses, and Tidings' own
// return addresses (kind 'bounce': the VERP bounces+<token>@ and
// unsubscribe+<token>@), which a front MTA must let through.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { createUser, setUserDisabled } from '../../src/domain/accounts.ts';
import { setAddressEnabled } from '../../src/domain/addresses.ts';
import { ensureReturnRoutes } from '../../src/domain/bounces/return-mail.ts';
import { routeRecipient } from '../../src/domain/routing.ts';
import { queueMessages } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { makeMailbox } from '../helpers/robot-world.ts';
import { TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('postfix');

function documentedQuery(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## SMTP robot'));
  assert.ok(section.startsWith('## SMTP robot'), 'README has the SMTP robot section');
  const line = section.split('\n').find((l) => l.startsWith('query = '));
  assert.ok(line, 'the section documents a query = line');
  return line.slice('query = '.length);
}

/** What Postfix sends for an address: %u the local part, %d the domain, each SQL-escaped inside the quotes. */
async function lookup(address: string): Promise<unknown[]> {
  const at = address.lastIndexOf('@');
  const escape = (v: string) => store.pool.escape(v).slice(1, -1);
  const sql = documentedQuery().replaceAll('%u', escape(address.slice(0, at))).replaceAll('%d', escape(address.slice(at + 1)));
  const [rows] = await store.pool.query<RowDataPacket[]>(sql);
  return rows.map((r) => Object.values(r)[0]);
}

describe('the documented Postfix recipient query', () => {
  it('answers OK for an enabled address, in any case and with a +tag', async () => {
    const box = await makeMailbox(store);
    const [local, domain] = box.address.split('@') as [string, string];
    assert.deepEqual(await lookup(box.address), ['OK']);
    assert.deepEqual(await lookup(`${local.toUpperCase()}+travel@${domain.toUpperCase()}`), ['OK']);
  });

  it('answers nothing for unknown, disabled and disabled-owner addresses, and for quoting tricks', async () => {
    const a = await makeMailbox(store);
    const b = await makeMailbox(store);
    assert.deepEqual(await lookup('nobody@tidings.test'), []);
    assert.deepEqual(await lookup(`${a.address.split('@')[0]}@other.example`), []);
    await setAddressEnabled(store, a.address, false, TEST_AUDIT);
    assert.deepEqual(await lookup(a.address), []);
    await setUserDisabled(store, b.owner.email, true, TEST_AUDIT);
    assert.deepEqual(await lookup(b.address), []);
    assert.deepEqual(await lookup("x' OR '1'='1@tidings.test"), []);
  });

  it('answers OK for the return addresses: a VERP bounce address with its token, and the unsubscribe address', async () => {
    const admin = await createUser(store, { email: 'admin@example.com', password: 'correct horse battery', isAdmin: true }, TEST_AUDIT);
    await ensureReturnRoutes(store, 'tidings.test');
    const [sent] = await queueMessages(store, 'tidings.test', ['member@example.net']);
    const verp = `bounces+${sent!.verpToken}@tidings.test`;
    assert.deepEqual(await lookup(verp), ['OK']);
    assert.deepEqual(await lookup(verp.toUpperCase()), ['OK']);
    assert.deepEqual(await lookup('bounces@tidings.test'), ['OK']);
    assert.deepEqual(await lookup('unsubscribe+12.34.0123456789abcdef0123456789abcdef@tidings.test'), ['OK']);
    // The robot agrees: its own verdict, with no collection behind it.
    assert.equal((await routeRecipient(store, verp)).verdict, 'return-mail');
    // They belong to no user: disabling an account (here the first admin) must not turn bounces away.
    await setUserDisabled(store, admin.email, true, TEST_AUDIT);
    assert.deepEqual(await lookup(verp), ['OK']);
    assert.equal((await routeRecipient(store, verp)).verdict, 'return-mail');
    await setUserDisabled(store, admin.email, false, TEST_AUDIT);
  });

  it('answers nothing for a disabled return address, another domain, or a name that merely starts like one', async () => {
    await setAddressEnabled(store, 'unsubscribe@tidings.test', false, TEST_AUDIT);
    assert.deepEqual(await lookup('unsubscribe+12.34.0123456789abcdef0123456789abcdef@tidings.test'), []);
    assert.equal((await routeRecipient(store, 'unsubscribe+x@tidings.test')).verdict, 'disabled');
    assert.deepEqual(await lookup('bounces+sometoken@other.example'), []);
    assert.deepEqual(await lookup('bouncesx+sometoken@tidings.test'), []);
    assert.deepEqual(await lookup('nobody+bounces@tidings.test'), []);
    await setAddressEnabled(store, 'unsubscribe@tidings.test', true, TEST_AUDIT);
  });
});
