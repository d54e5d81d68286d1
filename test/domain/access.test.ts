// Tenant isolation: every path into a collection is tried by a stranger, a
// viewer and an editor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCollectionAddress } from '../../src/domain/addresses.ts';
import { changesSince, currentSyncToken } from '../../src/domain/changes.ts';
import { deleteCollection, getCollection, listCollections, shareCollection, unshareCollection, updateCollection } from '../../src/domain/collections.ts';
import { Forbidden, InvalidInput, NotFound } from '../../src/domain/errors.ts';
import { deleteItem, getItem, getItemByUid, itemsInRange, listItems, putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { eventIcs, makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('access');

const owner = await makeUser(store, 'owner');
const editor = await makeUser(store, 'editor');
const viewer = await makeUser(store, 'viewer');
const stranger = await makeUser(store, 'stranger');
const cal = await makeCollection(store, owner, { name: 'Shared family' });
await shareCollection(store, owner.id, cal.id, editor.email, 'editor', TEST_AUDIT);
await shareCollection(store, owner.id, cal.id, viewer.email, 'viewer', TEST_AUDIT);
await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('seed'), origin: 'caldav', resourceName: 'seed.ics' });
const strangersOwn = await makeCollection(store, stranger, { name: 'Stranger private' });

const write = (userId: bigint, uid: string) => putItem(store, { actorUserId: userId, collectionId: cal.id, icalendar: eventIcs(uid), origin: 'caldav', resourceName: `${uid}.ics` });

describe('a non-member', () => {
  const reads: [string, () => Promise<unknown>][] = [
    ['getCollection', () => getCollection(store, stranger.id, cal.id)],
    ['getItem', () => getItem(store, stranger.id, cal.id, 'seed.ics')],
    ['getItemByUid', () => getItemByUid(store, stranger.id, cal.id, 'seed')],
    ['listItems', () => listItems(store, stranger.id, cal.id)],
    ['itemsInRange', () => itemsInRange(store, stranger.id, cal.id, new Date(0), new Date())],
    ['changesSince', () => changesSince(store, stranger.id, cal.id, null)],
    ['currentSyncToken', () => currentSyncToken(store, stranger.id, cal.id)],
    ['putItem', () => write(stranger.id, 'intruder')],
    ['deleteItem', () => deleteItem(store, { actorUserId: stranger.id, collectionId: cal.id, resourceName: 'seed.ics', origin: 'caldav' })],
    ['updateCollection', () => updateCollection(store, stranger.id, cal.id, { name: 'Mine now' }, TEST_AUDIT)],
    ['shareCollection', () => shareCollection(store, stranger.id, cal.id, stranger.email, 'editor', TEST_AUDIT)],
    ['deleteCollection', () => deleteCollection(store, stranger.id, cal.id, TEST_AUDIT)],
    ['createCollectionAddress', () => createCollectionAddress(store, { actorUserId: stranger.id, collectionId: cal.id, domain: 'tidings.localhost' }, TEST_AUDIT)],
  ];
  for (const [name, call] of reads) {
    it(`gets NotFound, not Forbidden, from ${name}`, async () => {
      await assert.rejects(call(), NotFound);
    });
  }

  it('gets the same answer for a collection that does not exist', async () => {
    const missing = await getCollection(store, stranger.id, 987654321n).catch((e: unknown) => e);
    const hidden = await getCollection(store, stranger.id, cal.id).catch((e: unknown) => e);
    assert.ok(missing instanceof NotFound && hidden instanceof NotFound);
    assert.equal(missing.message.replace(/\d+/, 'N'), hidden.message.replace(/\d+/, 'N'));
  });

  it("does not see the collection in its list, and nobody else sees the stranger's", async () => {
    assert.deepEqual((await listCollections(store, stranger.id)).map((c) => c.id), [strangersOwn.id]);
    for (const u of [owner, editor, viewer]) {
      assert.ok(!(await listCollections(store, u.id)).some((c) => c.id === strangersOwn.id));
    }
  });

  it('changed nothing with all those attempts', async () => {
    const items = await listItems(store, owner.id, cal.id);
    assert.deepEqual(items.map((i) => i.resourceName), ['seed.ics']);
    assert.equal((await getCollection(store, owner.id, cal.id)).name, 'Shared family');
  });
});

describe('a viewer', () => {
  it('may read', async () => {
    assert.equal((await getItem(store, viewer.id, cal.id, 'seed.ics')).uid, 'seed');
    assert.equal((await getCollection(store, viewer.id, cal.id)).role, 'viewer');
    assert.equal((await changesSince(store, viewer.id, cal.id, null)).changes.length, 1);
  });
  it('may not write, delete, rename or share', async () => {
    await assert.rejects(write(viewer.id, 'by-viewer'), Forbidden);
    await assert.rejects(deleteItem(store, { actorUserId: viewer.id, collectionId: cal.id, resourceName: 'seed.ics', origin: 'caldav' }), Forbidden);
    await assert.rejects(updateCollection(store, viewer.id, cal.id, { name: 'x' }, TEST_AUDIT), Forbidden);
    await assert.rejects(shareCollection(store, viewer.id, cal.id, stranger.email, 'viewer', TEST_AUDIT), Forbidden);
    assert.equal((await listItems(store, owner.id, cal.id)).length, 1);
  });
});

describe('an editor', () => {
  it('may write and delete items', async () => {
    const r = await write(editor.id, 'by-editor');
    assert.equal(r.created, true);
    await deleteItem(store, { actorUserId: editor.id, collectionId: cal.id, resourceName: 'by-editor.ics', origin: 'caldav' });
  });
  it('may not change settings, share, or delete the collection', async () => {
    await assert.rejects(updateCollection(store, editor.id, cal.id, { name: 'x' }, TEST_AUDIT), Forbidden);
    await assert.rejects(shareCollection(store, editor.id, cal.id, stranger.email, 'viewer', TEST_AUDIT), Forbidden);
    await assert.rejects(deleteCollection(store, editor.id, cal.id, TEST_AUDIT), Forbidden);
    await assert.rejects(createCollectionAddress(store, { actorUserId: editor.id, collectionId: cal.id, domain: 'tidings.localhost' }, TEST_AUDIT), Forbidden);
  });
});

describe('sharing', () => {
  it('can be changed and revoked by the owner, and revocation takes effect at once', async () => {
    const guest = await makeUser(store, 'guest');
    await shareCollection(store, owner.id, cal.id, guest.email.toUpperCase(), 'viewer', TEST_AUDIT);
    assert.equal((await getCollection(store, guest.id, cal.id)).role, 'viewer');
    await shareCollection(store, owner.id, cal.id, guest.email, 'editor', TEST_AUDIT);
    await write(guest.id, 'by-guest');
    await unshareCollection(store, owner.id, cal.id, guest.email, TEST_AUDIT);
    await assert.rejects(getCollection(store, guest.id, cal.id), NotFound);
    await assert.rejects(write(guest.id, 'by-guest-2'), NotFound);
  });
  it('refuses odd roles and sharing with oneself', async () => {
    await assert.rejects(shareCollection(store, owner.id, cal.id, editor.email, 'owner' as 'editor', TEST_AUDIT), InvalidInput);
    await assert.rejects(shareCollection(store, owner.id, cal.id, owner.email, 'viewer', TEST_AUDIT), InvalidInput);
    await assert.rejects(shareCollection(store, owner.id, cal.id, 'nobody@example.com', 'viewer', TEST_AUDIT), NotFound);
  });
  it('is audited', async () => {
    const entries = await store.db.auditEntry.findMany({ where: { action: 'collection.share', targetId: String(cal.id) } });
    assert.ok(entries.length >= 2);
  });
});

describe('deleting a collection', () => {
  it('removes its items and changes and frees the quota', async () => {
    const u = await makeUser(store, 'deleter');
    const c = await makeCollection(store, u);
    await putItem(store, { actorUserId: u.id, collectionId: c.id, icalendar: eventIcs('d1'), origin: 'api' });
    await deleteCollection(store, u.id, c.id, TEST_AUDIT);
    await assert.rejects(getCollection(store, u.id, c.id), NotFound);
    assert.equal(await store.db.change.count({ where: { collectionId: c.id } }), 0);
    assert.equal((await store.db.user.findUniqueOrThrow({ where: { id: u.id } })).usedBytes, 0n);
  });
});
