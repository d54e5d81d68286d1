// A real CalDAV client library (tsdav) pointed at the server root: discovery
// through /.well-known/caldav, current-user-principal and calendar-home-set,
// then create, multiget and sync the way calendar apps do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAVClient } from 'tsdav';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { DavClient, PASSWORD, startServer } from '../helpers/dav.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_discovery');
const base = await startServer(store);

async function loggedIn(email: string): Promise<DAVClient> {
  const client = new DAVClient({ serverUrl: `${base}/`, credentials: { username: email, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
  await client.login();
  return client;
}

describe('discovery', () => {
  it('redirects /.well-known/caldav to /dav/ for any method, without authentication', async () => {
    for (const method of ['GET', 'PROPFIND']) {
      const res = await fetch(`${base}/.well-known/caldav`, { method, redirect: 'manual' });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), '/dav/');
    }
  });

  it('redirects a PROPFIND on the server root to /dav/, and leaves GET / alone', async () => {
    const res = await fetch(`${base}/`, { method: 'PROPFIND', redirect: 'manual', headers: { Depth: '0' } });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/dav/');
    const get = await fetch(`${base}/`, { redirect: 'manual' });
    assert.notEqual(get.status, 301);
  });

  it('lets tsdav find the principal, the calendar home and every calendar from the server root', async () => {
    const ann = await makeUser(store, 'ann');
    await makeCollection(store, ann, { slug: 'family', name: 'Family' });
    await makeCollection(store, ann, { slug: 'chores', name: 'Chores', components: ['VTODO'] });
    const client = await loggedIn(ann.email);
    assert.equal(client.account?.principalUrl, `${base}/dav/principals/${ann.email}/`);
    assert.equal(client.account?.homeUrl, `${base}/dav/calendars/${ann.email}/`);
    const calendars = await client.fetchCalendars();
    assert.deepEqual(calendars.map((c) => [c.url, c.displayName]).sort(), [
      [`${base}/dav/calendars/${ann.email}/chores/`, 'Chores'],
      [`${base}/dav/calendars/${ann.email}/family/`, 'Family'],
    ]);
    const chores = calendars.find((c) => c.displayName === 'Chores')!;
    assert.deepEqual(chores.components, ['VTODO']);
    assert.ok(chores.ctag && chores.syncToken, 'both a ctag and a sync token are served');
  });

  it('creates, lists and syncs items with tsdav, including one the SMTP robot wrote through the domain', async () => {
    const bob = await makeUser(store, 'bob');
    const work = await makeCollection(store, bob, { slug: 'work', name: 'Work' });
    const client = await loggedIn(bob.email);
    const [calendar] = await client.fetchCalendars();
    assert.ok(calendar);
    const created = await client.createCalendarObject({ calendar, filename: 'standup.ics', iCalString: eventIcs('standup@example.org', { summary: 'Standup' }) });
    assert.equal(created.status, 201);
    assert.match(created.headers.get('etag') ?? '', /^"[^"]+"$/);

    const first = await client.syncCollection({ url: calendar.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: '' });
    const token1 = await currentToken(bob.email, calendar.url);
    assert.deepEqual(first.map((r) => r.href), [`/dav/calendars/${bob.email}/work/standup.ics`]);

    // The robot's write: the same domain call it makes, origin email.
    await putItem(store, { actorUserId: bob.id, collectionId: work.id, icalendar: eventIcs('mailed@example.org', { summary: 'From an email' }), origin: 'email' });
    const next = await client.syncCollection({ url: calendar.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token1 });
    assert.deepEqual(next.map((r) => r.href), [`/dav/calendars/${bob.email}/work/mailed@example.org.ics`]);
    assert.ok(next[0]!.props?.getetag, 'the new member carries its ETag');

    const objects = await client.fetchCalendarObjects({ calendar, useMultiGet: true });
    assert.deepEqual(objects.map((o) => o.url.replace(base, '')).sort(), [
      `/dav/calendars/${bob.email}/work/mailed@example.org.ics`,
      `/dav/calendars/${bob.email}/work/standup.ics`,
    ]);
    for (const o of objects) assert.ok(o.etag && /BEGIN:VCALENDAR/.test(String(o.data)), `${o.url} has its ETag and data`);

    const multiget = await client.calendarMultiGet({ url: calendar.url, props: { 'd:getetag': {}, 'c:calendar-data': {} }, objectUrls: [`${calendar.url}standup.ics`], depth: '1' });
    assert.equal(multiget.length, 1);
    assert.match(String(multiget[0]!.props?.calendarData?._cdata ?? multiget[0]!.props?.calendarData), /SUMMARY:Standup/);
  });
});

async function currentToken(email: string, url: string): Promise<string> {
  const ms = await new DavClient(base, email).propfind(new URL(url).pathname, '0', '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>');
  const token = ms.responses[0]!.props.get('{DAV:}sync-token');
  assert.ok(token);
  return (token.el.children[0] as string) ?? '';
}
