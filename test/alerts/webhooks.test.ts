// Webhooks, the second alert channel: HTTPS only, JSON signed with
// HMAC-SHA256 and a timestamp, retried with backoff; URLs reaching
// loopback, private, link-local, unique-local or metadata addresses are
// refused at registration and again at delivery (DNS rebinding).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { signWebhook } from '../../src/jobs/webhook-post.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import { PUBLIC_ADDRESSES_ONLY } from '../../src/domain/webhooks/address-policy.ts';
import { registerWebhook, removeWebhook } from '../../src/domain/webhooks/webhooks.ts';
import { run as fanout } from '../../src/jobs/alert-fanout.ts';
import { run as deliverWebhooks } from '../../src/jobs/webhook-delivery.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { RECEIVER_CERT, startHttpsReceiver, testGuard } from '../helpers/https-receiver.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('webhooks');
const world = await alertWorld(db, { OUTBOX_RETRY_BASE_SECONDS: '30', OUTBOX_MAX_ATTEMPTS: '4' });
const { store } = db;
const receiver = await startHttpsReceiver();
after(() => receiver.close());
const signal = new AbortController().signal;

const ann = await createUser(store, { email: 'ann@example.com', password: 'correct horse battery', displayName: 'Ann' }, TEST_AUDIT);
const ben = await createUser(store, { email: 'ben@example.com', password: 'correct horse battery', displayName: 'Ben' }, TEST_AUDIT);
const team = await makeCollection(store, ann, { name: 'Team' });
await shareCollection(store, ann.id, team.id, ben.email, 'editor', TEST_AUDIT);

// Production policy, with names resolved from a table instead of DNS.
const production = testGuard(
  {
    'hooks.example.com': ['93.184.216.34'],
    'internal.example.com': ['10.1.2.3'],
    'metadata.example.com': ['169.254.169.254'],
    'v6-ula.example.com': ['fd00:ec2::254'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
  },
  PUBLIC_ADDRESSES_ONLY,
);

describe('registering a webhook (SSRF guard)', () => {
  const refused: Array<[string, RegExp]> = [
    ['http://hooks.example.com/x', /must use https/],
    ['https://user:pw@hooks.example.com/x', /must not carry a user name or password/],
    ['https://127.0.0.1/x', /127\.0\.0\.1, a loopback address/],
    ['https://[::1]/x', /::1, a loopback address/],
    ['https://10.0.0.7/x', /a private address/],
    ['https://192.168.1.20/x', /a private address/],
    ['https://169.254.169.254/latest/meta-data', /link-local \(cloud metadata\)/],
    ['https://[fe80::1]/x', /link-local address/],
    ['https://[fc00::5]/x', /unique local address/],
    ['https://internal.example.com/x', /10\.1\.2\.3, a private address/],
    ['https://metadata.example.com/x', /cloud metadata/],
    ['https://v6-ula.example.com/x', /unique local/],
    ['https://mixed.example.com/x', /127\.0\.0\.1, a loopback address/],
    ['https://mapped.example.com/x', /loopback/],
    ['https://nowhere.example.com/x', /does not resolve/],
    ['not a url', /not a valid URL/],
  ];
  for (const [url, why] of refused) {
    it(`refuses ${url}`, async () => {
      await assert.rejects(registerWebhook(store, ben.id, team.id, url, production, TEST_AUDIT), (err: Error) => err.name === 'InvalidInput' && why.test(err.message));
    });
  }

  it('accepts an HTTPS URL on a public address and hands out its signing secret once', async () => {
    const hook = await registerWebhook(store, ben.id, team.id, 'https://hooks.example.com/tidings', production, TEST_AUDIT);
    assert.match(hook.secret, /^[0-9a-f]{64}$/);
    await removeWebhook(store, ben.id, team.id, TEST_AUDIT);
  });

  it('refuses a collection the user is not a member of', async () => {
    const stranger = await createUser(store, { email: 'stranger@example.com', password: 'correct horse battery' }, TEST_AUDIT);
    await assert.rejects(registerWebhook(store, stranger.id, team.id, 'https://hooks.example.com/x', production, TEST_AUDIT), { name: 'NotFound' });
  });
});

describe('delivering webhooks', () => {
  const guard = testGuard({ 'hooks.test': ['127.0.0.1'] });
  world.ctx.webhookGuard = guard;
  world.ctx.webhookTls = { ca: RECEIVER_CERT };

  async function changeAndFanout(uid: string, summary: string, by = ann) {
    await putItem(store, { actorUserId: by.id, collectionId: team.id, origin: 'api', icalendar: eventIcs(uid, { summary }) });
    // Every fan-out an hour after the last: each batch is due.
    world.clock.set(new Date(Math.max(world.clock.now().getTime(), Date.now()) + 3600_000));
    await fanout(world.ctx, signal);
  }

  it('POSTs the changes as JSON signed with HMAC-SHA256 over the timestamp and body, retrying a 503', async () => {
    const hook = await registerWebhook(store, ben.id, team.id, receiver.url, guard, TEST_AUDIT);
    receiver.status = (n) => (n === 1 ? 503 : 200);
    await changeAndFanout('review', 'Review');

    await deliverWebhooks(world.ctx, signal);
    assert.equal(receiver.received.length, 1);
    const retry = await store.db.webhookDelivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
    assert.deepEqual([retry.state, retry.attempts, retry.lastError], ['queued', 1, 'HTTP 503']);
    await deliverWebhooks(world.ctx, signal);
    assert.equal(receiver.received.length, 1, 'not before its backoff');

    world.clock.advance(3600_000);
    await deliverWebhooks(world.ctx, signal);
    assert.equal(receiver.received.length, 2);
    const got = receiver.received[1]!;
    assert.equal(got.headers['content-type'], 'application/json');
    const signature = String(got.headers['tidings-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
    assert.ok(m, signature);
    const expected = createHmac('sha256', hook.secret).update(`${m[1]}.${got.body}`).digest('hex');
    assert.equal(m[2], expected);
    assert.equal(signWebhook(hook.secret, Number(m[1]), got.body), signature);
    const body = JSON.parse(got.body);
    assert.equal(body.type, 'collection.changed');
    assert.deepEqual(body.collection, { id: String(team.id), name: 'Team' });
    assert.deepEqual(
      body.changes.map((c: { uid: string; change: string; summary: string; by: unknown }) => [c.uid, c.change, c.summary, c.by]),
      [['review', 'added', 'Review', [{ userId: String(ann.id), name: 'Ann', origin: 'api' }]]],
    );
    assert.equal((await store.db.webhookDelivery.findUniqueOrThrow({ where: { id: retry.id } })).state, 'sent');
    assert.ok((await store.db.webhook.findUniqueOrThrow({ where: { id: hook.id } })).lastSuccessAt);
  });

  it('leaves the owner\'s own changes out: nothing is posted for them', async () => {
    const before = receiver.received.length;
    await changeAndFanout('own', 'Own', ben);
    await deliverWebhooks(world.ctx, signal);
    assert.equal(receiver.received.length, before);
  });

  it('dead-letters a delivery the receiver refuses for good (410)', async () => {
    receiver.status = () => 410;
    await changeAndFanout('gone', 'Gone');
    await deliverWebhooks(world.ctx, signal);
    const last = await store.db.webhookDelivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
    assert.deepEqual([last.state, last.lastError], ['dead', 'HTTP 410']);
  });

  it('gives up after the last attempt, and says so, as the outbox does', async () => {
    receiver.status = () => 503;
    const config = world.ctx.config;
    world.ctx.config = { ...config, mail: { ...config.mail, maxAttempts: 2 } };
    try {
      await changeAndFanout('flaky', 'Flaky');
      await deliverWebhooks(world.ctx, signal);
      world.clock.advance(12 * 3600_000);
      await deliverWebhooks(world.ctx, signal);
    } finally {
      world.ctx.config = config;
    }
    const last = await store.db.webhookDelivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
    assert.deepEqual([last.state, last.attempts, last.lastError], ['dead', 2, 'gave up after 2 attempts: HTTP 503']);
  });

  it('re-checks the address at delivery: a name that now resolves to a private address is not connected to', async () => {
    receiver.status = () => 200;
    await changeAndFanout('rebind', 'Rebind');
    const before = receiver.received.length;
    // Same name, but the production policy now decides (as in the service): 127.0.0.1 is loopback.
    world.ctx.webhookGuard = testGuard({ 'hooks.test': ['127.0.0.1'] }, PUBLIC_ADDRESSES_ONLY);
    await deliverWebhooks(world.ctx, signal);
    world.ctx.webhookGuard = guard;
    assert.equal(receiver.received.length, before);
    const last = await store.db.webhookDelivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
    assert.equal(last.state, 'dead');
    assert.match(last.lastError, /resolves to 127\.0\.0\.1, a loopback address/);
  });
});
