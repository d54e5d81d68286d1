// PROPFIND, PROPPATCH, MKCALENDAR and extended MKCOL over raw HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, CS, DAV, DavClient, ICAL, errorCondition, propText, propfindBody, startServer } from '../helpers/dav.ts';
import { eventIcs, makeCollection, makeUser, todoIcs } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_props');
const base = await startServer(store);

async function owner(slug = 'family') {
  const user = await makeUser(store, 'prop');
  const collection = await makeCollection(store, user, { slug, name: 'Family', timeZone: 'Europe/Berlin' });
  const dav = new DavClient(base, user.email);
  return { user, collection, dav, url: `${dav.home}${slug}/` };
}

describe('OPTIONS', () => {
  it('answers on every path, without authentication, with DAV: 1, 3, calendar-access and no scheduling', async () => {
    for (const path of ['/dav/', '/dav/principals/x@example.com/', '/dav/calendars/nobody@example.com/cal/item.ics', '/dav/anything/else']) {
      const res = await fetch(base + path, { method: 'OPTIONS' });
      assert.equal(res.status, 200, path);
      const dav = res.headers.get('dav') ?? '';
      for (const cls of ['1', '3', 'calendar-access']) assert.ok(dav.split(',').map((s) => s.trim()).includes(cls), `${path}: DAV has ${cls}: ${dav}`);
      assert.doesNotMatch(dav, /schedul/);
      assert.match(res.headers.get('allow') ?? '', /PROPFIND/);
    }
  });
});

describe('PROPFIND', () => {
  it('Depth 0 answers for the collection alone; unknown properties are 404 inside the 207', async () => {
    const { dav, url } = await owner();
    const ms = await dav.propfind(url, '0', propfindBody([DAV, 'displayname'], [CS, 'getctag'], [DAV, 'sync-token'], [CALDAV, 'calendar-timezone'], ['http://example.com/ns/', 'no-such-thing']));
    assert.equal(ms.responses.length, 1);
    const r = ms.byHref(url);
    assert.equal(propText(r, '{DAV:}displayname'), 'Family');
    assert.match(propText(r, `{${CS}}getctag`), /^[0-9a-f]{32}-0$/);
    assert.equal(propText(r, '{DAV:}sync-token'), propText(r, `{${CS}}getctag`));
    assert.match(propText(r, `{${CALDAV}}calendar-timezone`), /BEGIN:VTIMEZONE[\s\S]*TZID:Europe\/Berlin[\s\S]*TZOFFSETTO:\+0200/);
    // The same IANA definition stored items get (rules, not one year's dates): one definition of each zone.
    assert.match(propText(r, `{${CALDAV}}calendar-timezone`), /^X-LIC-LOCATION:Europe\/Berlin\r?$[\s\S]*^RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r?$/m);
    assert.equal(r.props.get('{http://example.com/ns/}no-such-thing')?.status, 404);
  });

  it('Depth 1 lists the members with their ETags; Depth infinity is refused with propfind-finite-depth', async () => {
    const { dav, url } = await owner();
    const put = await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    const ms = await dav.propfind(url, '1', propfindBody([DAV, 'getetag'], [DAV, 'resourcetype']));
    assert.deepEqual(ms.responses.map((r) => r.href), [url, `${url}a.ics`]);
    assert.equal(propText(ms.byHref(`${url}a.ics`), '{DAV:}getetag'), put.headers.get('etag'));
    assert.equal(ms.byHref(url).props.get('{DAV:}getetag')?.status, 404);
    const refused = await dav.expect(403, 'PROPFIND', url, { headers: { Depth: 'infinity' }, body: propfindBody([DAV, 'getetag']) });
    assert.equal(errorCondition(refused.text), '{DAV:}propfind-finite-depth');
  });

  it('allprop (also an empty body) returns the live properties; propname returns names only', async () => {
    const { dav, url } = await owner();
    for (const body of [undefined, '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>']) {
      const r = (await dav.propfind(url, '0', body)).byHref(url);
      assert.equal(propText(r, '{DAV:}displayname'), 'Family');
      assert.ok(r.props.has(`{${CALDAV}}supported-calendar-component-set`));
      assert.ok(!r.props.has('{DAV:}quota-used-bytes'), 'RFC 4331 quotas are not in allprop');
    }
    const names = (await dav.propfind(url, '0', '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>')).byHref(url);
    for (const key of ['{DAV:}sync-token', `{${CS}}getctag`, '{DAV:}current-user-privilege-set', `{${CALDAV}}max-resource-size`]) {
      assert.equal(names.props.get(key)?.el.children.length, 0, `${key} named, without a value`);
    }
  });

  it('serves the principal and home properties clients discover with, and quotas', async () => {
    const { dav, user } = await owner();
    const p = (await dav.propfind(dav.principal, '0', propfindBody([DAV, 'principal-URL'], [CALDAV, 'calendar-home-set'], [CALDAV, 'calendar-user-address-set'], [DAV, 'resourcetype']))).byHref(dav.principal);
    assert.equal(propText(p, `{${CALDAV}}calendar-home-set`), dav.home);
    assert.equal(propText(p, '{DAV:}principal-URL'), dav.principal);
    assert.match(propText(p, `{${CALDAV}}calendar-user-address-set`), new RegExp(`mailto:${user.email}`));
    const h = (await dav.propfind(dav.home, '0', propfindBody([DAV, 'quota-used-bytes'], [DAV, 'quota-available-bytes']))).byHref(dav.home);
    assert.equal(propText(h, '{DAV:}quota-used-bytes'), '0');
    assert.equal(propText(h, '{DAV:}quota-available-bytes'), String(100 * 1024 * 1024));
  });
});

describe('PROPPATCH', () => {
  it("changes name, description, colour and time zone, and keeps unmodelled properties (Apple's calendar-order) as dead ones answered 200", async () => {
    const { dav, url, collection } = await owner();
    const ms = await dav.proppatch(
      url,
      `<d:propertyupdate xmlns:d="DAV:" xmlns:c="${CALDAV}" xmlns:a="${ICAL}" xmlns:x="http://example.com/ns/"><d:set><d:prop>
        <d:displayname>Family &amp; friends</d:displayname><c:calendar-description>Everyone</c:calendar-description>
        <a:calendar-color>#FF8800FF</a:calendar-color><a:calendar-order>3</a:calendar-order>
        <c:calendar-timezone>BEGIN:VCALENDAR&#13;\nBEGIN:VTIMEZONE&#13;\nTZID:W. Europe Standard Time&#13;\nEND:VTIMEZONE&#13;\nEND:VCALENDAR</c:calendar-timezone>
        <x:colour><x:rgb>12,34,56</x:rgb></x:colour></d:prop></d:set></d:propertyupdate>`,
    );
    for (const [key, p] of ms.byHref(url).props) assert.equal(p.status, 200, key);
    const row = await store.db.collection.findUniqueOrThrow({ where: { id: collection.id } });
    assert.deepEqual([row.name, row.description, row.color, row.timeZone], ['Family & friends', 'Everyone', '#FF8800FF', 'Europe/Berlin']);
    const read = (await dav.propfind(url, '0', propfindBody([ICAL, 'calendar-order'], ['http://example.com/ns/', 'colour'], [DAV, 'displayname']))).byHref(url);
    assert.equal(propText(read, `{${ICAL}}calendar-order`), '3');
    assert.equal(propText(read, '{http://example.com/ns/}colour'), '12,34,56');
    assert.equal(propText(read, '{DAV:}displayname'), 'Family & friends');
    const removed = await dav.proppatch(url, `<d:propertyupdate xmlns:d="DAV:" xmlns:a="${ICAL}"><d:remove><d:prop><a:calendar-order/></d:prop></d:remove></d:propertyupdate>`);
    assert.equal(removed.byHref(url).props.get(`{${ICAL}}calendar-order`)?.status, 200);
    assert.equal((await dav.propfind(url, '0', propfindBody([ICAL, 'calendar-order']))).byHref(url).props.get(`{${ICAL}}calendar-order`)?.status, 404);
  });

  it('is all or nothing: a protected property is 403, the others 424, and nothing changes', async () => {
    const { dav, url, collection } = await owner();
    const ms = await dav.proppatch(url, `<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><d:displayname>New</d:displayname><d:getetag>"x"</d:getetag><x:y>1</x:y></d:prop></d:set></d:propertyupdate>`);
    const r = ms.byHref(url);
    assert.deepEqual([r.props.get('{DAV:}displayname')?.status, r.props.get('{DAV:}getetag')?.status, r.props.get('{urn:x}y')?.status], [424, 403, 424]);
    assert.equal((await store.db.collection.findUniqueOrThrow({ where: { id: collection.id } })).name, 'Family');
    assert.equal(await store.db.deadProperty.count({ where: { namespace: 'urn:x' } }), 0);
  });
});

describe('MKCALENDAR and extended MKCOL', () => {
  it('creates a VTODO-only list whose component set then refuses a VEVENT', async () => {
    const user = await makeUser(store, 'mk');
    const dav = new DavClient(base, user.email);
    const url = `${dav.home}tasks/`;
    await dav.mkcalendar(
      url,
      `<c:mkcalendar xmlns:d="DAV:" xmlns:c="${CALDAV}" xmlns:a="${ICAL}"><d:set><d:prop><d:displayname>Tasks</d:displayname>
        <c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>
        <a:calendar-order>1</a:calendar-order></d:prop></d:set></c:mkcalendar>`,
    );
    const r = (await dav.propfind(url, '0', propfindBody([DAV, 'displayname'], [CALDAV, 'supported-calendar-component-set'], [ICAL, 'calendar-order']))).byHref(url);
    assert.equal(propText(r, '{DAV:}displayname'), 'Tasks');
    assert.deepEqual(r.props.get(`{${CALDAV}}supported-calendar-component-set`)!.el.children.map((c) => (typeof c === 'string' ? c : c.attrs.name)), ['VTODO']);
    assert.equal(propText(r, `{${ICAL}}calendar-order`), '1');
    await dav.put(`${url}milk.ics`, todoIcs('milk'), 201);
    const refused = await dav.put(`${url}party.ics`, eventIcs('party'), 403);
    assert.equal(errorCondition(refused.text), `{${CALDAV}}supported-calendar-component`);
    await dav.mkcalendar(url, undefined, 405);
  });

  it('creates a calendar with extended MKCOL and refuses a plain collection', async () => {
    const user = await makeUser(store, 'mkcol');
    const dav = new DavClient(base, user.email);
    await dav.expect(201, 'MKCOL', `${dav.home}ext/`, {
      body: `<d:mkcol xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>Ext</d:displayname></d:prop></d:set></d:mkcol>`,
    });
    assert.equal(propText((await dav.propfind(`${dav.home}ext/`, '0', propfindBody([DAV, 'displayname']))).byHref(`${dav.home}ext/`), '{DAV:}displayname'), 'Ext');
    const plain = await dav.expect(403, 'MKCOL', `${dav.home}plain/`, {
      body: `<d:mkcol xmlns:d="DAV:"><d:set><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop></d:set></d:mkcol>`,
    });
    assert.equal(errorCondition(plain.text), '{DAV:}valid-resourcetype');
  });

  it('deletes a collection with its items and frees the quota', async () => {
    const { dav, url, user } = await owner('doomed');
    await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    await dav.expect(204, 'DELETE', url);
    await dav.expect(404, 'PROPFIND', url, { headers: { Depth: '0' } });
    assert.equal((await store.db.user.findUniqueOrThrow({ where: { id: user.id } })).usedBytes, 0n);
  });
});
