import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser, findUserByEmail, setUserDisabled } from '../../src/domain/accounts.ts';
import { authenticate } from '../../src/domain/auth/credentials.ts';
import { Conflict, InvalidInput } from '../../src/domain/errors.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('accounts');

describe('createUser', () => {
  it('stores a lower-cased email and an argon2id hash, never the password', async () => {
    const user = await createUser(store, { email: '  Ana.Silva@Example.COM ', password: 'a long passphrase', displayName: 'Ana' }, TEST_AUDIT);
    assert.equal(user.email, 'ana.silva@example.com');
    const row = await store.db.user.findUniqueOrThrow({ where: { id: user.id } });
    assert.match(row.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!row.passwordHash.includes('a long passphrase'));
    assert.equal(row.quotaBytes, 100n * 1024n * 1024n);
    const audit = await store.db.auditEntry.findMany({ where: { action: 'user.create', targetId: String(user.id) } });
    assert.equal(audit.length, 1);
  });

  it('refuses a duplicate email whatever its case, and writes nothing', async () => {
    await createUser(store, { email: 'bo@example.com', password: 'password one' }, TEST_AUDIT);
    const before = await store.db.user.count();
    const auditBefore = await store.db.auditEntry.count();
    await assert.rejects(createUser(store, { email: 'BO@example.com', password: 'password two' }, TEST_AUDIT), (err: unknown) => err instanceof Conflict && /already exists/.test(err.message));
    assert.equal(await store.db.user.count(), before);
    assert.equal(await store.db.auditEntry.count(), auditBefore);
  });

  it('refuses bad emails, short passwords and unknown time zones', async () => {
    await assert.rejects(createUser(store, { email: 'not-an-email', password: 'long enough' }, TEST_AUDIT), InvalidInput);
    await assert.rejects(createUser(store, { email: 'short@example.com', password: 'short' }, TEST_AUDIT), InvalidInput);
    await assert.rejects(createUser(store, { email: 'tz@example.com', password: 'long enough', timeZone: 'Mars/Olympus' }, TEST_AUDIT), InvalidInput);
    assert.equal(await findUserByEmail(store, 'tz@example.com'), null);
  });
});

describe('authenticate', () => {
  it('accepts the right password, refuses a wrong one, an unknown user and a disabled user', async () => {
    await createUser(store, { email: 'cy@example.com', password: 'right password' }, TEST_AUDIT);
    const right = await authenticate(store, 'CY@example.com', 'right password');
    assert.equal(right.ok && right.user.email, 'cy@example.com');
    assert.deepEqual(await authenticate(store, 'cy@example.com', 'wrong password'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await authenticate(store, 'nobody@example.com', 'right password'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await authenticate(store, 'not an email', 'x'), { ok: false, reason: 'invalid' });
    const disabled = await setUserDisabled(store, 'cy@example.com', true, TEST_AUDIT);
    assert.ok(disabled.disabledAt instanceof Date);
    assert.deepEqual(await authenticate(store, 'cy@example.com', 'right password'), { ok: false, reason: 'disabled' });
    await setUserDisabled(store, 'cy@example.com', false, TEST_AUDIT);
    assert.equal((await authenticate(store, 'cy@example.com', 'right password')).ok, true);
    const actions = (await store.db.auditEntry.findMany({ where: { targetType: 'user' }, orderBy: { id: 'asc' } })).map((a) => a.action);
    assert.deepEqual(actions.slice(-2), ['user.disable', 'user.enable']);
  });
});
