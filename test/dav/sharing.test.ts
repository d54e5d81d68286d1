// Sharing and tenant isolation: a shared collection appears in the sharee's
// home and obeys the role; a stranger gets 404 for every method on every
// path of someone else's, and nothing changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareCollection } from '../../src/domain/collections.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DAV, DavClient, errorCondition, propText, propfindBody, startServer } from '../helpers/dav.ts';
import { TEST_AUDIT, eventIcs, makeCollection, makeUser } from '../helpers/world.ts';
import { writeSnapshot } from '../helpers/write-snapshot.ts';

const { store } = await freshDatabase('dav_sharing');
const base = await startServer(store);

async function world() {
  const owner = await makeUser(store, 'owner');
  const editor = await makeUser(store, 'editor');
  const viewer = await makeUser(store, 'viewer');
  const stranger = await makeUser(store, 'stranger');
  const collection = await makeCollection(store, owner, { slug: 'team', name: 'Team' });
  await shareCollection(store, owner.id, collection.id, editor.email, 'editor', TEST_AUDIT);
  await shareCollection(store, owner.id, collection.id, viewer.email, 'viewer', TEST_AUDIT);
  const ownerDav = new DavClient(base, owner.email);
  const ownUrl = `${ownerDav.home}team/`;
  await ownerDav.put(`${ownUrl}a.ics`, eventIcs('a'), 201);
  return { owner, editor, viewer, stranger, collection, ownerDav, ownUrl };
}

const snapshot = (collectionId: bigint) => writeSnapshot(store, { collections: [collectionId] });

const privileges = (text: string) => [...text.matchAll(/<d:privilege><(?:d|c):([a-z-]+)\/><\/d:privilege>/g)].map((m) => m[1]).sort();

describe('shared collections', () => {
  it("appear in the sharee's home under their own name, with privileges by role", async () => {
    const { editor, viewer, collection } = await world();
    for (const [user, canWrite] of [[editor, true], [viewer, false]] as const) {
      const dav = new DavClient(base, user.email);
      const mount = `${dav.home}shared~${collection.id}/`;
      const res = await dav.expect(207, 'PROPFIND', dav.home, { headers: { Depth: '1' }, body: propfindBody([DAV, 'displayname'], [DAV, 'current-user-privilege-set']) });
      assert.match(res.text, new RegExp(`<d:href>${mount}</d:href>`));
      const ms = await dav.propfind(mount, '0', propfindBody([DAV, 'displayname'], [DAV, 'current-user-privilege-set']));
      assert.equal(propText(ms.byHref(mount), '{DAV:}displayname'), 'Team');
      const privs = privileges(res.text.slice(res.text.indexOf(mount)));
      assert.equal(privs.includes('write-content'), canWrite, `${user.email}: ${privs.join(',')}`);
      assert.ok(privs.includes('read') && privs.includes('read-free-busy'));
      assert.match((await dav.expect(200, 'GET', `${mount}a.ics`)).text, /UID:a/);
    }
  });

  it('lets an editor write and refuses a viewer with 403 need-privileges, changing nothing', async () => {
    const { editor, viewer, collection } = await world();
    const ed = new DavClient(base, editor.email);
    await ed.put(`${ed.home}shared~${collection.id}/b.ics`, eventIcs('b'), 201);
    const vw = new DavClient(base, viewer.email);
    const mount = `${vw.home}shared~${collection.id}/`;
    const before = await snapshot(collection.id);
    const refused = await vw.put(`${mount}c.ics`, eventIcs('c'), 403);
    assert.equal(errorCondition(refused.text), '{DAV:}need-privileges');
    await vw.put(`${mount}a.ics`, eventIcs('a', { summary: 'viewer edit' }), 403);
    await vw.expect(403, 'DELETE', `${mount}a.ics`);
    await vw.expect(403, 'DELETE', mount);
    await vw.expect(403, 'MOVE', `${mount}a.ics`, { headers: { Destination: `${mount}z.ics` } });
    assert.deepEqual(await snapshot(collection.id), before);
    // A sharee's own display name for the calendar is theirs alone.
    const patched = await vw.proppatch(mount, '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Their team</d:displayname></d:prop></d:set></d:propertyupdate>');
    assert.equal(patched.byHref(mount).props.get('{DAV:}displayname')?.status, 200);
    assert.equal(propText((await vw.propfind(mount, '0', propfindBody([DAV, 'displayname']))).byHref(mount), '{DAV:}displayname'), 'Their team');
    assert.equal((await store.db.collection.findUniqueOrThrow({ where: { id: collection.id } })).name, 'Team');
  });
});

describe('isolation', () => {
  it("gives a stranger 404 for every method on another user's principal, home, collections and items, and changes nothing", async () => {
    const { owner, stranger, collection, ownUrl } = await world();
    const dav = new DavClient(base, stranger.email);
    const before = await snapshot(collection.id);
    const paths = [`/dav/principals/${owner.email}/`, `/dav/calendars/${owner.email}/`, ownUrl, `${ownUrl}a.ics`, `${ownUrl}new.ics`, `${dav.home}shared~${collection.id}/`, `${dav.home}shared~${collection.id}/a.ics`];
    const propfind = propfindBody([DAV, 'displayname']);
    for (const path of paths) {
      await dav.expect(404, 'PROPFIND', path, { headers: { Depth: '0' }, body: propfind });
      await dav.expect(404, 'GET', path);
      await dav.expect(404, 'DELETE', path);
      await dav.expect(404, 'PUT', path.endsWith('/') ? `${path}x.ics` : path, { body: eventIcs('x'), headers: { 'Content-Type': 'text/calendar' } });
      await dav.expect(404, 'PROPPATCH', path, { body: '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>' });
      await dav.expect(404, 'REPORT', path, { body: '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:prop><d:getetag/></d:prop></d:sync-collection>' });
      await dav.expect(404, 'COPY', path, { headers: { Destination: `${dav.home}mine/x.ics` } });
      await dav.expect(404, 'MOVE', path, { headers: { Destination: `${dav.home}mine/x.ics` } });
    }
    await dav.expect(404, 'MKCALENDAR', `/dav/calendars/${owner.email}/sneaky/`);
    await dav.expect(404, 'REPORT', `${dav.home}shared~${collection.id}/`, {
      body: `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/></d:prop><d:href>${ownUrl}a.ics</d:href></c:calendar-multiget>`,
    });
    assert.deepEqual(await snapshot(collection.id), before);
    assert.equal(await store.db.collection.count({ where: { ownerId: owner.id } }), 1);
  });

  it("never lists another user's calendars, even through the owner's URL after a share", async () => {
    const { editor, ownUrl } = await world();
    // A sharee reaches a shared calendar only through their own home, never the owner's URL.
    await new DavClient(base, editor.email).expect(404, 'PROPFIND', ownUrl, { headers: { Depth: '0' } });
  });
});
