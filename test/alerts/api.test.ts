// The alert-settings API: subscriptions, the default reminder, digest time,
// webhooks (with the SSRF guard), unfreezing, and the admin's view of
// bounces and dead letters. HTTP Basic with the account password.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { handleBounce } from '../../src/domain/bounces/bounces.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { PUBLIC_ADDRESSES_ONLY } from '../../src/domain/webhooks/address-policy.ts';
import { createApp } from '../../src/web-server.ts';
import { listen } from '../../src/http/server.ts';
import { TEST_SECRET, queueMessages } from '../helpers/alerts.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { fixture } from '../helpers/fixtures.ts';
import { testGuard } from '../helpers/https-receiver.ts';
import { TEST_AUDIT, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('alerts_api');
const { store } = db;
const config = loadConfig({ DATABASE_URL: db.url, UNSUBSCRIBE_SECRET: TEST_SECRET, AUTH_CACHE_SECONDS: '60' });
const guard = testGuard({ 'hooks.example.com': ['93.184.216.34'], 'intranet.example.com': ['192.168.0.10'] }, PUBLIC_ADDRESSES_ONLY);
const server = await listen(createApp({ store, log: pino({ level: 'silent' }), config, webhookGuard: guard }), 0, '127.0.0.1');
after(() => server.close());
const base = `http://127.0.0.1:${server.port}/api/v1`;
const PASSWORD = 'correct horse battery';

const owner = await createUser(store, { email: 'owner@example.com', password: PASSWORD }, TEST_AUDIT);
const member = await createUser(store, { email: 'member@example.com', password: PASSWORD }, TEST_AUDIT);
const admin = await createUser(store, { email: 'admin@example.com', password: PASSWORD, isAdmin: true }, TEST_AUDIT);
const c = await makeCollection(store, owner, { name: 'Club' });
await shareCollection(store, owner.id, c.id, member.email, 'editor', TEST_AUDIT);

async function call(who: { email: string } | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (who) headers.Authorization = `Basic ${Buffer.from(`${who.email}:${PASSWORD}`).toString('base64')}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('alert settings over the API', () => {
  it('needs a login', async () => {
    assert.equal((await call(null, 'GET', `/collections/${c.id}/alerts`)).status, 401);
  });

  it('reads and changes a member\'s subscription; outsiders get 404', async () => {
    assert.deepEqual((await call(member, 'GET', `/collections/${c.id}/alerts`)).body, {
      collectionId: String(c.id),
      mode: 'immediate',
      isDefault: true,
      frozenAt: null,
      frozenReason: '',
      defaultReminderMinutes: null,
    });
    assert.equal((await call(member, 'PUT', `/collections/${c.id}/alerts`, { mode: 'digest' })).body.mode, 'digest');
    assert.equal((await call(member, 'GET', `/collections/${c.id}/alerts`)).body.isDefault, false);
    assert.equal((await call(member, 'PUT', `/collections/${c.id}/alerts`, { mode: 'loud' })).status, 400);
    assert.equal((await call(admin, 'GET', `/collections/${c.id}/alerts`)).status, 404);
  });

  it('lets only the owner set the default reminder, and unfreeze', async () => {
    assert.equal((await call(member, 'PUT', `/collections/${c.id}/alerts`, { defaultReminderMinutes: 30 })).status, 403);
    assert.equal((await call(owner, 'PUT', `/collections/${c.id}/alerts`, { defaultReminderMinutes: 30 })).status, 200);
    assert.equal((await call(owner, 'GET', `/collections/${c.id}/alerts`)).body.defaultReminderMinutes, 30);
    await store.db.collectionAlertState.update({ where: { collectionId: c.id }, data: { frozenAt: new Date(), frozenReason: 'spike' } });
    assert.equal((await call(member, 'POST', `/collections/${c.id}/alerts/unfreeze`)).status, 403);
    assert.equal((await call(owner, 'POST', `/collections/${c.id}/alerts/unfreeze`)).body.frozenAt, null);
  });

  it('sets the digest time, refusing nonsense', async () => {
    assert.deepEqual((await call(member, 'PUT', '/me/alert-preferences', { digestTime: '06:30' })).body, { digestTime: '06:30', timeZone: 'UTC' });
    assert.equal((await call(member, 'PUT', '/me/alert-preferences', { digestTime: '25:00' })).status, 400);
  });

  it('registers a webhook on a public address (secret shown once), refuses a private one, and removes it', async () => {
    const refused = await call(member, 'PUT', `/collections/${c.id}/webhook`, { url: 'https://intranet.example.com/hook' });
    assert.equal(refused.status, 400);
    assert.match(refused.body.detail, /192\.168\.0\.10, a private address/);
    const made = await call(member, 'PUT', `/collections/${c.id}/webhook`, { url: 'https://hooks.example.com/hook' });
    assert.equal(made.status, 200);
    assert.match(made.body.secret, /^[0-9a-f]{64}$/);
    const read = await call(member, 'GET', `/collections/${c.id}/webhook`);
    assert.equal(read.body.url, 'https://hooks.example.com/hook');
    assert.equal(read.body.secret, undefined);
    assert.equal((await call(member, 'DELETE', `/collections/${c.id}/webhook`)).status, 204);
    assert.equal((await call(member, 'GET', `/collections/${c.id}/webhook`)).status, 404);
  });
});

describe('the admin\'s view of bounces and dead letters', () => {
  it('lists and clears suspended addresses, for admins only', async () => {
    const sent = await queueMessages(store, 'tidings.localhost', ['gone@example.net']);
    await handleBounce(store, sent[0]!.verpToken, fixture('dsn-postfix-user-unknown.eml'), { threshold: 1 });
    assert.equal((await call(member, 'GET', '/admin/bounces')).status, 403);
    const list = await call(admin, 'GET', '/admin/bounces?suspended=1');
    assert.deepEqual(list.body.bounces.map((b: { email: string; hardBounces: number }) => [b.email, b.hardBounces]), [['gone@example.net', 1]]);
    assert.equal((await call(admin, 'DELETE', '/admin/bounces/gone@example.net')).status, 200);
    assert.deepEqual((await call(admin, 'GET', '/admin/bounces?suspended=1')).body.bounces, []);
  });

  it('shows dead messages and queues one again (API and CLI)', async () => {
    const [queued] = await queueMessages(store, 'tidings.localhost', ['dead@example.net']);
    await store.db.outboxMessage.update({ where: { messageId: queued!.messageId }, data: { state: 'dead', lastError: '550 5.1.1 no such user' } });
    const dead = await call(admin, 'GET', '/admin/outbox?state=dead');
    assert.deepEqual(dead.body.messages.map((m: { recipient: string; lastError: string }) => [m.recipient, m.lastError]), [['dead@example.net', '550 5.1.1 no such user']]);
    const id = dead.body.messages[0].id as string;
    const cli = await runCli(['outbox', 'list', '--state', 'dead'], { DATABASE_URL: db.url });
    assert.match(cli.stdout, new RegExp(`^${id} {2}notice {2}dead@example\\.net {2}attempts 0 .* 550 5\\.1\\.1 no such user$`, 'm'));
    assert.equal((await call(admin, 'POST', `/admin/outbox/${id}/retry`)).body.state, 'queued');
    assert.equal((await call(admin, 'POST', `/admin/outbox/${id}/retry`)).status, 404);
    await store.db.outboxMessage.update({ where: { messageId: queued!.messageId }, data: { state: 'dead' } });
    const retry = await runCli(['outbox', 'retry', id], { DATABASE_URL: db.url });
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal((await store.db.outboxMessage.findUniqueOrThrow({ where: { messageId: queued!.messageId } })).state, 'queued');
  });

  it('the operator unfreezes a collection from the CLI', async () => {
    await store.db.collectionAlertState.update({ where: { collectionId: c.id }, data: { frozenAt: new Date(), frozenReason: 'spike' } });
    const r = await runCli(['alerts', 'unfreeze', String(c.id)], { DATABASE_URL: db.url });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await store.db.collectionAlertState.findUniqueOrThrow({ where: { collectionId: c.id } })).frozenAt, null);
  });
});
