import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changesSince, currentSyncToken, formatSyncToken, parseSyncToken } from '../../src/domain/changes.ts';
import { InvalidInput } from '../../src/domain/errors.ts';
import { deleteItem, putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('changes');
const owner = await makeUser(store);
const epoch = (await store.db.storeEpoch.findUniqueOrThrow({ where: { id: 1 } })).epoch;

const put = (collectionId: bigint, uid: string, summary = 'v') =>
  putItem(store, { actorUserId: owner.id, collectionId, icalendar: eventIcs(uid, { summary }), origin: 'caldav', resourceName: `${uid}.ics` });

const isSyncTokenError = (err: unknown) => err instanceof InvalidInput && err.reason === 'valid-sync-token';

describe('changesSince', () => {
  it('lists every current item on an initial sync, then only what changed', async () => {
    const cal = await makeCollection(store, owner);
    await put(cal.id, 'a');
    await put(cal.id, 'b');
    const initial = await changesSince(store, owner.id, cal.id, null);
    assert.deepEqual(initial.changes.map((c) => c.resourceName).sort(), ['a.ics', 'b.ics']);
    assert.equal(initial.syncToken, `${epoch}-2`);

    await put(cal.id, 'a', 'edited once');
    await put(cal.id, 'a', 'edited twice');
    await put(cal.id, 'c');
    await deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'b.ics', origin: 'caldav' });
    const next = await changesSince(store, owner.id, cal.id, initial.syncToken);
    assert.deepEqual(
      next.changes.map((c) => [c.resourceName, c.deleted]),
      [['a.ics', false], ['c.ics', false], ['b.ics', true]],
      'one entry per resource, deletions as tombstones, in order of their last change',
    );
    assert.equal(next.syncToken, `${epoch}-6`);
    assert.equal(await currentSyncToken(store, owner.id, cal.id), next.syncToken);

    const none = await changesSince(store, owner.id, cal.id, next.syncToken);
    assert.deepEqual(none.changes, []);
    assert.equal(none.syncToken, next.syncToken);
  });

  it('reports a deleted-then-recreated item as present', async () => {
    const cal = await makeCollection(store, owner);
    await put(cal.id, 'x');
    const token = await currentSyncToken(store, owner.id, cal.id);
    await deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'x.ics', origin: 'caldav' });
    await put(cal.id, 'x');
    const r = await changesSince(store, owner.id, cal.id, token);
    assert.deepEqual(r.changes.map((c) => [c.resourceName, c.deleted]), [['x.ics', false]]);
  });

  it('pages with a limit and a token that covers only what was returned', async () => {
    const cal = await makeCollection(store, owner);
    const start = await currentSyncToken(store, owner.id, cal.id);
    for (const uid of ['p1', 'p2', 'p3', 'p4', 'p5']) await put(cal.id, uid);
    const page1 = await changesSince(store, owner.id, cal.id, start, 2);
    assert.equal(page1.truncated, true);
    assert.deepEqual(page1.changes.map((c) => c.resourceName), ['p1.ics', 'p2.ics']);
    const page2 = await changesSince(store, owner.id, cal.id, page1.syncToken, 2);
    assert.deepEqual(page2.changes.map((c) => c.resourceName), ['p3.ics', 'p4.ics']);
    const page3 = await changesSince(store, owner.id, cal.id, page2.syncToken, 2);
    assert.deepEqual(page3.changes.map((c) => c.resourceName), ['p5.ics']);
    assert.equal(page3.truncated, false);
  });

  it('refuses tokens that are not ours, from another epoch, or from the future (a restore)', async () => {
    const cal = await makeCollection(store, owner);
    await put(cal.id, 'r');
    for (const token of ['garbage', `${epoch}-`, `${epoch}-abc`, `${'0'.repeat(32)}-1`, `${epoch}-99`, `http://example.com/sync/1`]) {
      await assert.rejects(changesSince(store, owner.id, cal.id, token), isSyncTokenError, token);
    }
  });

  it('keeps positions per collection', async () => {
    const one = await makeCollection(store, owner);
    const two = await makeCollection(store, owner);
    await put(one.id, 'k1');
    await put(one.id, 'k2');
    await put(two.id, 'k3');
    assert.equal(await currentSyncToken(store, owner.id, one.id), `${epoch}-2`);
    assert.equal(await currentSyncToken(store, owner.id, two.id), `${epoch}-1`);
  });
});

describe('sync tokens', () => {
  it('round-trip and carry the epoch', () => {
    const t = formatSyncToken(epoch, 42n);
    assert.equal(parseSyncToken(t, epoch, 42n), 42n);
    assert.throws(() => parseSyncToken(t, 'f'.repeat(32), 42n), isSyncTokenError);
    assert.throws(() => parseSyncToken(t, epoch, 41n), isSyncTokenError);
  });
});
