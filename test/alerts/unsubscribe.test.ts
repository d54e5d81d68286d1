// Unsubscribing (RFC 8058 one-click and the page behind the link): GET only
// shows a page, POST acts, without login or cookies, on exactly the one
// subscription the signed token names; a tampered token is refused.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { listHeaders } from '../../src/mail/outgoing/headers.ts';
import { loadConfig } from '../../src/config.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { getSubscription, setSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { unsubscribeToken, verifyUnsubscribeToken } from '../../src/domain/alerts/unsubscribe.ts';
import { receiveReturnMail } from '../../src/domain/bounces/return-mail.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { createApp } from '../../src/web-server.ts';
import { listen } from '../../src/http/server.ts';
import { TEST_SECRET } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('unsubscribe');
const { store } = db;
const config = loadConfig({ DATABASE_URL: db.url, UNSUBSCRIBE_SECRET: TEST_SECRET, PUBLIC_URL: 'https://tidings.example', MAIL_DOMAIN: 'tidings.example' });
const server = await listen(createApp({ store, log: pino({ level: 'silent' }), config }), 0, '127.0.0.1');
after(() => server.close());
const base = `http://127.0.0.1:${server.port}`;

const owner = await createUser(store, { email: 'owner@example.com', password: 'correct horse battery' }, TEST_AUDIT);
const reader = await createUser(store, { email: 'reader@example.com', password: 'correct horse battery' }, TEST_AUDIT);
const other = await createUser(store, { email: 'other@example.com', password: 'correct horse battery' }, TEST_AUDIT);
const news = await makeCollection(store, owner, { name: 'News & "Notes"' });
const sport = await makeCollection(store, owner, { name: 'Sport' });
for (const c of [news, sport]) {
  await shareCollection(store, owner.id, c.id, reader.email, 'viewer', TEST_AUDIT);
  await shareCollection(store, owner.id, c.id, other.email, 'viewer', TEST_AUDIT);
}
const settings = { mailDomain: 'tidings.example', publicUrl: 'https://tidings.example', unsubscribeSecret: TEST_SECRET };

/** The HTTPS link exactly as an alert to `user` about `collectionId` carries it. */
function linkFromHeader(userId: bigint, collectionId: bigint): string {
  const h = listHeaders(settings, { collectionId, collectionName: 'x', userId })['List-Unsubscribe']!;
  const url = /<(https:[^>]+)>/.exec(h)![1]!;
  return url.replace('https://tidings.example', base);
}

describe('unsubscribe links', () => {
  it('a GET (a mail scanner, a preview) shows a page with a button and changes nothing', async () => {
    const res = await fetch(linkFromHeader(reader.id, news.id));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, /<form method="post">/);
    assert.match(html, /<button type="submit"[^>]*>Unsubscribe<\/button>/);
    assert.match(html, /News &amp; &quot;Notes&quot;/);
    assert.deepEqual(await getSubscription(store, reader.id, news.id), { collectionId: news.id, mode: 'immediate', isDefault: true });
  });

  it('the one-click POST (RFC 8058) turns off exactly that subscription, without login or cookies', async () => {
    const res = await fetch(linkFromHeader(reader.id, news.id), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.match(await res.text(), /Unsubscribed/);
    assert.equal((await getSubscription(store, reader.id, news.id)).mode, 'off');
    // The reader's other collection and the other member are untouched.
    assert.equal((await getSubscription(store, reader.id, sport.id)).mode, 'immediate');
    assert.equal((await getSubscription(store, other.id, news.id)).mode, 'immediate');
    // Posting again is harmless.
    assert.equal((await fetch(linkFromHeader(reader.id, news.id), { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status, 200);
  });

  it('refuses a tampered token: another member, another collection, a changed signature', async () => {
    const good = unsubscribeToken(TEST_SECRET, other.id, sport.id);
    const [, , mac] = good.split('.');
    const forged = [
      `${reader.id}.${sport.id}.${mac}`,
      `${other.id}.${news.id}.${mac}`,
      `${other.id}.${sport.id}.${mac!.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`,
      `${other.id}.${sport.id}`,
      unsubscribeToken('some other secret of enough length 123', other.id, sport.id),
    ];
    for (const token of forged) {
      assert.equal(verifyUnsubscribeToken(TEST_SECRET, token), null, token);
      assert.equal((await fetch(`${base}/unsubscribe/${token}`)).status, 404, token);
      assert.equal((await fetch(`${base}/unsubscribe/${token}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status, 404, token);
    }
    assert.equal((await getSubscription(store, other.id, sport.id)).mode, 'immediate');
    assert.equal((await getSubscription(store, reader.id, sport.id)).mode, 'immediate');
  });

  it('the mailto link works too: mail to unsubscribe+<token>@MAIL_DOMAIN turns that subscription off', async () => {
    await setSubscription(store, other.id, sport.id, 'digest');
    const token = unsubscribeToken(TEST_SECRET, other.id, sport.id);
    const outcome = await receiveReturnMail(store, { unsubscribeSecret: TEST_SECRET, bounceSuspendThreshold: 3 }, `unsubscribe+${token.toUpperCase()}@tidings.example`, 'Subject: unsubscribe\r\n\r\n');
    assert.deepEqual(outcome, { kind: 'unsubscribe', done: true, collectionId: sport.id, userId: other.id });
    assert.equal((await getSubscription(store, other.id, sport.id)).mode, 'off');
    const bad = await receiveReturnMail(store, { unsubscribeSecret: TEST_SECRET, bounceSuspendThreshold: 3 }, `unsubscribe+${reader.id}.${sport.id}.${'0'.repeat(32)}@tidings.example`, '');
    assert.deepEqual(bad, { kind: 'unsubscribe', done: false });
    assert.equal((await getSubscription(store, reader.id, sport.id)).mode, 'immediate');
  });

  it('a link for someone no longer a member is refused', async () => {
    const stranger = await createUser(store, { email: 'stranger@example.com', password: 'correct horse battery' }, TEST_AUDIT);
    assert.equal((await fetch(`${base}/unsubscribe/${unsubscribeToken(TEST_SECRET, stranger.id, news.id)}`)).status, 404);
  });
});
