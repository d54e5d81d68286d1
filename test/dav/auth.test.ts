// Authentication: Basic over account and app passwords, the verified-login
// cache and its invalidation (revocation, disable, password change, on the
// next request), failed-login limits per account and per address, and the
// per-user DAV throttle — all counted in the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setPassword, setUserDisabled } from '../../src/domain/accounts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { basic, DavClient, PASSWORD, propfindBody, DAV, startServer } from '../helpers/dav.ts';
import { TEST_AUDIT, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_auth');
const base = await startServer(store, { LOGIN_FAILURES_PER_USER: '3', LOGIN_FAILURES_PER_ADDRESS: '1000' });
const throttled = await startServer(store, { DAV_RATE_LIMIT: '3' });
// Failures per address are counted for 127.0.0.1 across the whole database: their own one.
const byAddress = await freshDatabase('dav_auth_addr');
const addressLimited = await startServer(byAddress.store, { LOGIN_FAILURES_PER_USER: '1000', LOGIN_FAILURES_PER_ADDRESS: '4' });

const ping = (dav: DavClient, status: number) => dav.expect(status, 'PROPFIND', dav.principal, { headers: { Depth: '0' }, body: propfindBody([DAV, 'displayname']) });

async function api(method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/v1/app-passwords${path}`, {
    method,
    headers: { Authorization: auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('HTTP Basic', () => {
  it('answers anonymous and wrong-password requests with 401 and a Basic challenge', async () => {
    const user = await makeUser(store, 'anon');
    const anon = await new DavClient(base, user.email).expect(401, 'PROPFIND', '/dav/', { auth: false, headers: { Depth: '0' } });
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="Tidings"/);
    await ping(new DavClient(base, user.email, 'wrong password'), 401);
    await ping(new DavClient(base, 'nobody@example.com'), 401);
  });

  it('refuses a disabled user with 403 at once, although their login was cached', async () => {
    const user = await makeUser(store, 'dis');
    const dav = new DavClient(base, user.email);
    await ping(dav, 207);
    await setUserDisabled(store, user.email, true, TEST_AUDIT);
    await ping(dav, 403);
    await setUserDisabled(store, user.email, false, TEST_AUDIT);
    await ping(dav, 207);
  });

  it('ends a cached login at once when the password changes', async () => {
    const user = await makeUser(store, 'pw');
    const dav = new DavClient(base, user.email);
    await ping(dav, 207);
    await setPassword(store, user.email, 'a brand new password', TEST_AUDIT);
    await ping(dav, 401);
    await ping(new DavClient(base, user.email, 'a brand new password'), 207);
  });
});

describe('app passwords', () => {
  it('are created over the API (shown once), work for CalDAV, and stop at once when revoked, cached or not', async () => {
    const user = await makeUser(store, 'app');
    await makeCollection(store, user, { slug: 'cal' });
    const created = await api('POST', '/', basic(user.email, PASSWORD), { label: 'Phone' });
    assert.equal(created.status, 201);
    const password: string = created.json.password;
    assert.match(password, /^[a-z2-9]{6}(-[a-z2-9]{6}){3}$/);
    const listed = await api('GET', '/', basic(user.email, PASSWORD));
    assert.deepEqual(listed.json.appPasswords.map((a: { label: string }) => a.label), ['Phone']);
    assert.ok(!JSON.stringify(listed.json).includes(password), 'never shown again');
    const row = await store.db.appPassword.findFirstOrThrow({ where: { userId: user.id } });
    assert.match(row.hash, /^\$argon2id\$/);

    const phone = new DavClient(base, user.email, password);
    await ping(phone, 207);
    await ping(new DavClient(base, user.email, password.replace(/-/g, '').toUpperCase()), 207);
    // An app password cannot manage app passwords.
    assert.equal((await api('GET', '/', basic(user.email, password))).status, 403);

    assert.equal((await api('DELETE', `/${created.json.id}`, basic(user.email, PASSWORD))).status, 204);
    await ping(phone, 401);
    await ping(new DavClient(base, user.email), 207);
    assert.equal((await api('DELETE', `/${created.json.id}`, basic(user.email, PASSWORD))).status, 404);
  });
});

describe('failed-login limits', () => {
  it('refuses an account with 429 and Retry-After after too many failures, even with the right password', async () => {
    const user = await makeUser(store, 'brute');
    for (let i = 0; i < 3; i++) await ping(new DavClient(base, user.email, `guess ${i}`), 401);
    const blocked = await ping(new DavClient(base, user.email), 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const row = await store.db.rateLimit.findMany({ where: { key: { startsWith: 'login-user:' } } });
    assert.ok(row.some((r) => r.points >= 3), 'the counter lives in the database');
    // Other accounts from the same address are unaffected.
    await ping(new DavClient(base, (await makeUser(store, 'other')).email), 207);
  });

  it('refuses a client address with 429 after too many failures across accounts', async () => {
    const users = await Promise.all([0, 1, 2, 3, 4].map(() => makeUser(byAddress.store, 'addr')));
    for (const u of users.slice(0, 4)) await ping(new DavClient(addressLimited, u.email, 'wrong'), 401);
    const blocked = await ping(new DavClient(addressLimited, users[4]!.email), 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  });
});

describe('DAV throttling', () => {
  it('answers 429 with Retry-After past the per-user budget, per user', async () => {
    const busy = new DavClient(throttled, (await makeUser(store, 'busy')).email);
    for (let i = 0; i < 3; i++) await ping(busy, 207);
    const res = await ping(busy, 429);
    const wait = Number(res.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    await ping(new DavClient(throttled, (await makeUser(store, 'calm')).email), 207);
  });
});
