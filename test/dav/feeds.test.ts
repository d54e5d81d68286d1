// Subscription feeds and the CLI commands around CalDAV: `tidings feed
// add|revoke` and `tidings app-password add|list|revoke`, run as a user runs
// them (a child process), against the server's database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { DavClient, DAV, propfindBody, startServer } from '../helpers/dav.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store, url: databaseUrl } = await freshDatabase('dav_feeds');
const base = await startServer(store);
const cli = async (...args: string[]) => {
  const r = await runCli([...args, '--json'], { DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://cal.example.org' });
  assert.equal(r.code, 0, `tidings ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('feeds', () => {
  it('serve the whole collection with an ETag, 304 while unchanged, a new ETag after a write, and 404 once revoked', async () => {
    const user = await makeUser(store, 'feed');
    const collection = await makeCollection(store, user, { name: 'Club' });
    await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs('one', { summary: 'First' }), origin: 'web' });
    await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs('two', { summary: 'Second' }), origin: 'email' });
    const added = await cli('feed', 'add', '--collection', String(collection.id));
    assert.match(added.url, /^https:\/\/cal\.example\.org\/feeds\/[A-Za-z0-9_-]{32}\.ics$/);
    const feed = `${base}/feeds/${added.token}.ics`;

    const res = await fetch(feed);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/calendar/);
    const etag = res.headers.get('etag')!;
    const text = await res.text();
    assert.match(text, /X-WR-CALNAME:Club/);
    assert.deepEqual([...text.matchAll(/^SUMMARY:(.*)\r$/gm)].map((m) => m[1]), ['First', 'Second']);
    assert.equal((await fetch(feed, { headers: { 'If-None-Match': etag } })).status, 304);

    await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs('three'), origin: 'caldav' });
    const changed = await fetch(feed, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);

    await cli('feed', 'revoke', added.url);
    assert.equal((await fetch(feed)).status, 404);
    assert.equal((await fetch(`${base}/feeds/not-a-token.ics`)).status, 404);
  });
});

describe('tidings app-password', () => {
  it('adds (printing the password once), lists and revokes; a revoked password stops working at once', async () => {
    const user = await makeUser(store, 'cliapp');
    const added = await cli('app-password', 'add', user.email, '--label', 'Thunderbird');
    const dav = new DavClient(base, user.email, added.appPassword.password);
    const ping = (status: number) => dav.expect(status, 'PROPFIND', dav.principal, { headers: { Depth: '0' }, body: propfindBody([DAV, 'displayname']) });
    await ping(207);
    const listed = await cli('app-password', 'list', user.email);
    assert.deepEqual(listed.appPasswords.map((a: { label: string }) => a.label), ['Thunderbird']);
    assert.ok(listed.appPasswords[0].lastUsedAt, 'use is recorded');
    assert.ok(!JSON.stringify(listed).includes(added.appPassword.password));
    await cli('app-password', 'revoke', user.email, String(added.appPassword.id));
    await ping(401);
  });
});
