// Discovery as the protocol sees it (RFC 6764 5 and 6, RFC 5397): the
// well-known redirect, PROPFIND answered in place on the server root, and the
// principal found whether a client re-sends its body after a redirect or not;
// then a real CalDAV client library (tsdav) creating, listing and syncing
// the way calendar apps do. discovery-clients.test.ts drives three clients.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAVClient } from 'tsdav';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { basic, CALDAV, DAV, DavClient, parseMultistatus, PASSWORD, propfindBody, startServer, type MultistatusResponse } from '../helpers/dav.ts';
import { textOf } from '../../src/dav/xml/parse.ts';
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

  it('answers PROPFIND on the server root in place, after the same login as /dav/', async () => {
    const ann = await makeUser(store, 'root');
    const dav = new DavClient(base, ann.email);
    const unauthenticated = await dav.expect(401, 'PROPFIND', '/', { body: propfindBody([DAV, 'current-user-principal']), headers: { Depth: '0' }, auth: false });
    assert.match(unauthenticated.headers.get('www-authenticate') ?? '', /^Basic /);

    // The href is the URL asked for: clients match responses against it (python3-caldav).
    const named = await dav.propfind('/', '0', propfindBody([DAV, 'current-user-principal']));
    assert.equal(propHref(named.byHref('/'), '{DAV:}current-user-principal'), dav.principal);
    // An empty body is allprop (RFC 4918 9.1); the root includes current-user-principal in it.
    const empty = await dav.propfind('/', '0', undefined);
    assert.equal(propHref(empty.byHref('/'), '{DAV:}current-user-principal'), dav.principal);
    // Depth 1: the one member of "/" that is DAV's.
    const members = await dav.propfind('/', '1', propfindBody([DAV, 'resourcetype']));
    assert.deepEqual(members.responses.map((r) => r.href), ['/', '/dav/']);

    const get = await fetch(`${base}/`, { redirect: 'manual' });
    assert.notEqual(get.status, 207, 'GET / stays with the web pages');
    assert.notEqual(get.status, 301);
  });

  it('advertises CalDAV on OPTIONS of the server root, without authentication', async () => {
    const res = await fetch(`${base}/`, { method: 'OPTIONS' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('dav') ?? '', /calendar-access/);
    assert.match(res.headers.get('allow') ?? '', /PROPFIND/);
  });

  it('finds the principal through the well-known redirect whether the client re-sends the body or drops it', async () => {
    const bea = await makeUser(store, 'bea');
    const dav = new DavClient(base, bea.email);
    // Re-sent (fetch, aiohttp): the named property at the context path.
    const followed = await fetch(`${base}/.well-known/caldav`, {
      method: 'PROPFIND',
      headers: { Authorization: basic(bea.email, PASSWORD), Depth: '0', 'Content-Type': 'application/xml' },
      body: propfindBody([DAV, 'current-user-principal']),
    });
    assert.equal(followed.status, 207);
    assert.equal(new URL(followed.url).pathname, '/dav/');
    assert.equal(propHref(parseMultistatus(await followed.text()).byHref('/dav/'), '{DAV:}current-user-principal'), dav.principal);
    // Dropped (python-requests on a 301): an empty PROPFIND at /dav/ still names
    // the principal, and one at the principal names the calendar home.
    const root = await dav.propfind('/dav/', '0', undefined);
    assert.equal(propHref(root.byHref('/dav/'), '{DAV:}current-user-principal'), dav.principal);
    const principal = await dav.propfind(dav.principal, '0', undefined);
    assert.equal(propHref(principal.byHref(dav.principal), `{${CALDAV}}calendar-home-set`), dav.home);
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

/** The one DAV:href inside a property found with 200. */
function propHref(r: MultistatusResponse, clarkName: string): string {
  const p = r.props.get(clarkName);
  assert.ok(p && p.status === 200, `${clarkName} found for ${r.href}`);
  const href = p.el.children.find((c) => typeof c !== 'string' && c.name === 'href');
  assert.ok(href && typeof href !== 'string', `${clarkName} holds an href`);
  return textOf(href);
}

async function currentToken(email: string, url: string): Promise<string> {
  const ms = await new DavClient(base, email).propfind(new URL(url).pathname, '0', '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>');
  const token = ms.responses[0]!.props.get('{DAV:}sync-token');
  assert.ok(token);
  return (token.el.children[0] as string) ?? '';
}
