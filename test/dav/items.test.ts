// Items over raw HTTP: PUT/GET/HEAD/DELETE with strong ETags and
// conditional requests, content types, the CalDAV preconditions as DAV:error
// bodies, quota, and COPY/MOVE between a user's collections.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ITEM_BYTES } from '../../src/consts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient, errorCondition, startServer } from '../helpers/dav.ts';
import { fixture } from '../helpers/fixtures.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_items');
const base = await startServer(store);

async function calendar(extra: { quotaBytes?: bigint } = {}) {
  const user = await makeUser(store, 'items', extra);
  const collection = await makeCollection(store, user, { slug: 'cal' });
  const dav = new DavClient(base, user.email);
  return { user, collection, dav, url: `${dav.home}cal/` };
}

/** Everything a write can change, to prove a refused one changed nothing. */
async function state(collectionId: bigint) {
  const [items, changes] = await Promise.all([
    store.db.item.findMany({ where: { collectionId }, orderBy: { id: 'asc' } }),
    store.db.change.count({ where: { collectionId } }),
  ]);
  return { items, changes };
}

describe('PUT, GET, HEAD, DELETE', () => {
  it('stores the text exactly, answers every GET and HEAD with the quoted strong ETag, and 304 on If-None-Match', async () => {
    const { dav, url } = await calendar();
    // As Exchange writes it: the VTIMEZONE's TZID spelled like its references, trailing space included, so it is
    // defined and nothing is added (test/dav/timezones.test.ts has the variant whose spellings differ).
    const text = fixture('outlook-windows-tz-meeting.ics').replace(/^TZID:W\. Europe Standard Time$/m, 'TZID:W. Europe Standard Time ');
    const put = await dav.put(`${url}meeting.ics`, text, 201);
    const etag = put.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const get = await dav.expect(200, 'GET', `${url}meeting.ics`);
    assert.equal(get.text, text, 'Windows TZIDs are accepted and the text is kept as sent');
    assert.equal(get.headers.get('etag'), etag);
    assert.match(get.headers.get('content-type')!, /^text\/calendar/);
    assert.ok(get.headers.get('last-modified'));
    const head = await dav.expect(200, 'HEAD', `${url}meeting.ics`);
    assert.equal(head.headers.get('etag'), etag);
    assert.equal(head.text, '');
    const notModified = await dav.expect(304, 'GET', `${url}meeting.ics`, { headers: { 'If-None-Match': etag } });
    assert.equal(notModified.headers.get('etag'), etag);
  });

  it('updates with a matching If-Match (204, new ETag) and refuses a stale one with 412, changing nothing', async () => {
    const { dav, url, collection } = await calendar();
    const first = (await dav.put(`${url}a.ics`, eventIcs('a'), 201)).headers.get('etag')!;
    const second = (await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'Moved' }), 204, { 'If-Match': first })).headers.get('etag')!;
    assert.notEqual(second, first);
    const before = await state(collection.id);
    await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'Stale copy from a restored phone' }), 412, { 'If-Match': first });
    await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'Create-only' }), 412, { 'If-None-Match': '*' });
    await dav.put(`${url}missing.ics`, eventIcs('m'), 412, { 'If-Match': '*' });
    await dav.expect(412, 'DELETE', `${url}a.ics`, { headers: { 'If-Match': first } });
    assert.deepEqual(await state(collection.id), before);
    assert.match((await dav.expect(200, 'GET', `${url}a.ics`)).text, /SUMMARY:Moved/);
  });

  it('deletes with the current ETag, then the item is 404', async () => {
    const { dav, url } = await calendar();
    const etag = (await dav.put(`${url}d.ics`, eventIcs('d'), 201)).headers.get('etag')!;
    await dav.expect(204, 'DELETE', `${url}d.ics`, { headers: { 'If-Match': etag } });
    await dav.expect(404, 'GET', `${url}d.ics`);
    await dav.expect(404, 'DELETE', `${url}d.ics`);
  });

  it('refuses non-calendar content with 415', async () => {
    const { dav, url } = await calendar();
    await dav.expect(415, 'PUT', `${url}x.ics`, { body: '{"summary":"no"}', headers: { 'Content-Type': 'application/json' } });
    await dav.expect(415, 'PUT', `${url}y.vcf`, { body: 'BEGIN:VCARD\r\nEND:VCARD\r\n', headers: { 'Content-Type': 'text/vcard' } });
  });
});

describe('CalDAV preconditions', () => {
  it('names valid-calendar-data, valid-calendar-object-resource, no-uid-conflict and max-resource-size in DAV:error bodies', async () => {
    const { dav, url, collection } = await calendar();
    await dav.put(`${url}one.ics`, eventIcs('dup'), 201);
    const before = await state(collection.id);
    const broken = await dav.put(`${url}broken.ics`, fixture('broken-unterminated.ics'), 403);
    assert.equal(errorCondition(broken.text), `{${CALDAV}}valid-calendar-data`);
    const withMethod = await dav.put(`${url}m.ics`, eventIcs('meth').replace('VERSION:2.0', 'VERSION:2.0\r\nMETHOD:REQUEST'), 403);
    assert.equal(errorCondition(withMethod.text), `{${CALDAV}}valid-calendar-object-resource`);
    const dup = await dav.put(`${url}two.ics`, eventIcs('dup'), 409);
    assert.equal(errorCondition(dup.text), `{${CALDAV}}no-uid-conflict`);
    assert.match(dup.text, new RegExp(`<d:href>${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}one.ics</d:href>`));
    const big = eventIcs('big', { extra: `DESCRIPTION:${'x'.repeat(MAX_ITEM_BYTES)}` });
    const tooBig = await dav.put(`${url}big.ics`, big, 403);
    assert.equal(errorCondition(tooBig.text), `{${CALDAV}}max-resource-size`);
    assert.deepEqual(await state(collection.id), before);
  });

  it('answers 507 with quota-not-exceeded when the owner is out of quota', async () => {
    const { dav, url, collection } = await calendar({ quotaBytes: 300n });
    const res = await dav.put(`${url}q.ics`, eventIcs('q', { extra: `DESCRIPTION:${'y'.repeat(400)}` }), 507);
    assert.equal(errorCondition(res.text), '{DAV:}quota-not-exceeded');
    assert.equal((await state(collection.id)).items.length, 0);
  });
});

describe('COPY and MOVE', () => {
  it("copies and moves items between the user's collections, honouring Overwrite", async () => {
    const { dav, url, user, collection } = await calendar();
    const other = await makeCollection(store, user, { slug: 'other' });
    const otherUrl = `${dav.home}other/`;
    await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    const copied = await dav.expect(201, 'COPY', `${url}a.ics`, { headers: { Destination: `${base}${otherUrl}a-copy.ics` } });
    assert.match(copied.headers.get('etag') ?? '', /^"/);
    assert.match((await dav.expect(200, 'GET', `${otherUrl}a-copy.ics`)).text, /UID:a/);
    // The UID now lives in both collections; a second copy into `other` would clash.
    const clash = await dav.expect(409, 'COPY', `${url}a.ics`, { headers: { Destination: `${otherUrl}another.ics` } });
    assert.equal(errorCondition(clash.text), `{${CALDAV}}no-uid-conflict`);

    await dav.put(`${url}b.ics`, eventIcs('b'), 201);
    await dav.expect(412, 'MOVE', `${url}b.ics`, { headers: { Destination: `${otherUrl}a-copy.ics`, Overwrite: 'F' } });
    await dav.expect(204, 'MOVE', `${url}b.ics`, { headers: { Destination: `${otherUrl}a-copy.ics` } });
    await dav.expect(404, 'GET', `${url}b.ics`);
    assert.match((await dav.expect(200, 'GET', `${otherUrl}a-copy.ics`)).text, /UID:b/);
    // A rename inside one collection keeps the UID unique.
    await dav.expect(201, 'MOVE', `${url}a.ics`, { headers: { Destination: `${url}renamed.ics` } });
    assert.deepEqual((await state(collection.id)).items.map((i) => i.resourceName), ['renamed.ics']);
    const changes = await store.db.change.findMany({ where: { collectionId: other.id }, orderBy: { position: 'asc' } });
    assert.deepEqual(changes.map((c) => [c.operation, c.resourceName]), [['put', 'a-copy.ics'], ['delete', 'a-copy.ics'], ['put', 'a-copy.ics']]);
  });

  it('refuses a destination outside the user\'s calendars', async () => {
    const { dav, url } = await calendar();
    const stranger = await makeUser(store, 'stranger');
    await makeCollection(store, stranger, { slug: 'theirs' });
    await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    await dav.expect(409, 'COPY', `${url}a.ics`, { headers: { Destination: `/dav/calendars/${stranger.email}/theirs/a.ics` } });
    assert.equal(await store.db.item.count({ where: { collection: { ownerId: stranger.id } } }), 0);
  });
});
