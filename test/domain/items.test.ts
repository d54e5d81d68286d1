import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conflict, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from '../../src/domain/errors.ts';
import { deleteItem, getItem, itemsInRange, putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { fixture } from '../helpers/fixtures.ts';
import { eventIcs, makeCollection, makeUser, todoIcs } from '../helpers/world.ts';
import { writeSnapshot } from '../helpers/write-snapshot.ts';

const { store } = await freshDatabase('items');

const snapshot = (collectionId: bigint, ownerId: bigint) => writeSnapshot(store, { collections: [collectionId], users: [ownerId] });

describe('putItem', () => {
  it('stores the item, its indexed fields and one change row in one write', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner, { timeZone: 'Europe/Berlin' });
    // As Exchange writes it: the VTIMEZONE's TZID spelled like its references, trailing space included, so it is
    // defined and nothing is added (test/dav/timezones.test.ts has the variant whose spellings differ).
    const text = fixture('outlook-windows-tz-meeting.ics').replace(/^TZID:W\. Europe Standard Time$/m, 'TZID:W. Europe Standard Time ');
    const result = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: text, origin: 'caldav', resourceName: 'planning.ics' });
    assert.equal(result.created, true);
    assert.equal(result.version, 1);
    assert.equal(result.position, 1n);
    const s = await snapshot(cal.id, owner.id);
    assert.equal(s.items.length, 1);
    const item = s.items[0]!;
    assert.equal(item.icalendar, text, 'the stored text is exactly what the client sent');
    assert.equal(item.summary, 'Quarterly planning');
    assert.equal(item.kind, 'VEVENT');
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
    assert.equal(item.etag, result.etag);
    assert.equal(item.sizeBytes, Buffer.byteLength(text));
    assert.equal(item.origin, 'caldav');
    assert.equal(s.position, 1n);
    assert.equal(s.usedBytes, BigInt(Buffer.byteLength(text)));
    assert.deepEqual(
      s.changes.map((c) => [c.position, c.operation, c.resourceName, c.actorUserId, c.origin, c.changedFields]),
      [[1n, 'put', 'planning.ics', owner.id, 'caldav', 'created']],
    );
  });

  it('updates with the current ETag, bumps version and ETag, and records what changed', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const first = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('u1'), origin: 'caldav', resourceName: 'u1.ics' });
    const second = await putItem(store, {
      actorUserId: owner.id,
      collectionId: cal.id,
      icalendar: eventIcs('u1', { summary: 'Dentist (moved)', start: '20261202T100000Z', end: '20261202T110000Z' }),
      origin: 'web',
      resourceName: 'u1.ics',
      ifMatch: first.etag,
    });
    assert.equal(second.created, false);
    assert.equal(second.version, 2);
    assert.notEqual(second.etag, first.etag);
    assert.deepEqual(second.changedFields, ['summary', 'start', 'end']);
    const s = await snapshot(cal.id, owner.id);
    assert.equal(s.items[0]!.summary, 'Dentist (moved)');
    assert.deepEqual(s.changes.map((c) => [c.position, c.origin]), [[1n, 'caldav'], [2n, 'web']]);
  });

  it('gives a new ETag even when equal text is written again', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const a = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('same'), origin: 'api', resourceName: 's.ics' });
    const b = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('same'), origin: 'api', resourceName: 's.ics' });
    assert.notEqual(a.etag, b.etag);
  });

  for (const [label, extra] of [
    ['a stale ETag', { ifMatch: 'not-the-current-etag' }],
    ['a stale version', { expectedVersion: 7 }],
    ['If-None-Match: * on an existing resource', { ifNoneMatch: true }],
  ] as const) {
    it(`refuses ${label} and changes nothing`, async () => {
      const owner = await makeUser(store);
      const cal = await makeCollection(store, owner);
      await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('p'), origin: 'caldav', resourceName: 'p.ics' });
      const beforeWrite = await snapshot(cal.id, owner.id);
      await assert.rejects(
        putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('p', { summary: 'Older copy from a restored client' }), origin: 'caldav', resourceName: 'p.ics', ...extra }),
        PreconditionFailed,
      );
      assert.deepEqual(await snapshot(cal.id, owner.id), beforeWrite);
    });
  }

  it('refuses If-Match on a resource that does not exist', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('x'), origin: 'caldav', resourceName: 'x.ics', ifMatch: 'abc' }),
      PreconditionFailed,
    );
    assert.equal((await snapshot(cal.id, owner.id)).items.length, 0);
  });

  it("refuses invalid iCalendar with the parser's reason and writes nothing", async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: fixture('broken-unterminated.ics'), origin: 'email' }),
      (err: unknown) => err instanceof InvalidInput && err.reason === 'valid-calendar-data' && /could not be parsed/.test(err.message),
    );
    const s = await snapshot(cal.id, owner.id);
    assert.deepEqual([s.items.length, s.changes.length, s.position, s.usedBytes], [0, 0, 0n, 0n]);
  });

  it('keeps one resource per UID: a second name for the same UID is a no-uid-conflict', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('dup'), origin: 'caldav', resourceName: 'one.ics' });
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('dup'), origin: 'caldav', resourceName: 'two.ics' }),
      (err: unknown) => err instanceof Conflict && err.reason === 'no-uid-conflict',
    );
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('other'), origin: 'caldav', resourceName: 'three.ics' });
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('changed-uid'), origin: 'caldav', resourceName: 'three.ics' }),
      (err: unknown) => err instanceof Conflict && err.reason === 'no-uid-conflict',
    );
  });

  it('addresses items by UID when no resource name is given (the email path)', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const a = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('mail-uid@example.com'), origin: 'email' });
    assert.equal(a.resourceName, 'mail-uid@example.com.ics');
    const b = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('mail-uid@example.com', { summary: 'Updated' }), origin: 'email' });
    assert.equal(b.resourceName, a.resourceName);
    assert.equal(b.created, false);
    const odd = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('weird/uid with spaces'), origin: 'email' });
    assert.match(odd.resourceName, /^[0-9a-f]{40}\.ics$/);
    assert.equal((await snapshot(cal.id, owner.id)).items.length, 2);
  });

  it("honours the collection's supported components", async () => {
    const owner = await makeUser(store);
    const tasks = await makeCollection(store, owner, { name: 'Reminders', components: ['VTODO'] });
    await putItem(store, { actorUserId: owner.id, collectionId: tasks.id, icalendar: todoIcs('t1'), origin: 'caldav', resourceName: 't1.ics' });
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: tasks.id, icalendar: eventIcs('e1'), origin: 'caldav', resourceName: 'e1.ics' }),
      (err: unknown) => err instanceof InvalidInput && err.reason === 'supported-calendar-component',
    );
  });

  it('refuses bad resource names', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    for (const name of ['', '..', 'a/b.ics', 'x'.repeat(256)]) {
      await assert.rejects(putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('n'), origin: 'caldav', resourceName: name }), InvalidInput);
    }
  });

  it('rolls the whole write back when a late step fails (no half-written item)', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    // Occupy the change-log slot the next write will take, so its last step fails.
    await store.db.change.create({ data: { collectionId: cal.id, position: 1n, operation: 'put', uid: 'ghost', resourceName: 'ghost.ics', origin: 'api' } });
    await assert.rejects(putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('late'), origin: 'api', resourceName: 'late.ics' }));
    const s = await snapshot(cal.id, owner.id);
    assert.deepEqual([s.items.length, s.position, s.usedBytes], [0, 0n, 0n]);
  });
});

describe('concurrent writers', () => {
  it('serialise per collection: every write gets its own contiguous position', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs(`c${i}`), origin: 'caldav', resourceName: `c${i}.ics` })),
    );
    assert.deepEqual(results.map((r) => r.position).sort((a, b) => (a < b ? -1 : 1)), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    const s = await snapshot(cal.id, owner.id);
    assert.equal(s.position, 20n);
    assert.equal(s.changes.length, 20);
    assert.equal(s.usedBytes, BigInt(s.items.reduce((n, i) => n + i.sizeBytes, 0)));
  });

  it('let exactly one of two updates carrying the same ETag win', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const first = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('race'), origin: 'caldav', resourceName: 'race.ics' });
    const outcomes = await Promise.allSettled(
      ['phone', 'laptop'].map((who) =>
        putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('race', { summary: `from ${who}` }), origin: 'caldav', resourceName: 'race.ics', ifMatch: first.etag }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    assert.ok(failed.reason instanceof PreconditionFailed);
    const item = await getItem(store, owner.id, cal.id, 'race.ics');
    assert.equal(item.version, 2);
  });
});

describe('quota', () => {
  it('refuses a write that would exceed the quota, and frees bytes on shrink and delete', async () => {
    const text = eventIcs('q1');
    const size = Buffer.byteLength(text);
    const owner = await makeUser(store, 'quota', { quotaBytes: BigInt(size * 2 + 10) });
    const cal = await makeCollection(store, owner);
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: text, origin: 'api', resourceName: 'q1.ics' });
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('q2'), origin: 'api', resourceName: 'q2.ics' });
    const full = await snapshot(cal.id, owner.id);
    await assert.rejects(putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('q3'), origin: 'api', resourceName: 'q3.ics' }), QuotaExceeded);
    await assert.rejects(
      putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('q1', { summary: 'A much longer summary that grows the item' }), origin: 'api', resourceName: 'q1.ics' }),
      QuotaExceeded,
    );
    assert.deepEqual(await snapshot(cal.id, owner.id), full);
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('q1', { summary: 'D' }), origin: 'api', resourceName: 'q1.ics' });
    assert.equal((await snapshot(cal.id, owner.id)).usedBytes, BigInt(size * 2 - 'Dentist'.length + 1));
    await deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'q2.ics', origin: 'api' });
    assert.equal((await snapshot(cal.id, owner.id)).usedBytes, BigInt(size - 'Dentist'.length + 1));
  });

  it("charges the collection owner's quota when an editor writes", async () => {
    const owner = await makeUser(store);
    const editor = await makeUser(store);
    const cal = await makeCollection(store, owner);
    await store.db.collectionMember.create({ data: { collectionId: cal.id, userId: editor.id, role: 'editor' } });
    const text = eventIcs('by-editor');
    await putItem(store, { actorUserId: editor.id, collectionId: cal.id, icalendar: text, origin: 'caldav', resourceName: 'e.ics' });
    const users = await store.db.user.findMany({ where: { id: { in: [owner.id, editor.id] } }, select: { id: true, usedBytes: true } });
    assert.equal(users.find((u) => u.id === owner.id)!.usedBytes, BigInt(Buffer.byteLength(text)));
    assert.equal(users.find((u) => u.id === editor.id)!.usedBytes, 0n);
  });
});

describe('deleteItem', () => {
  it('removes the item and leaves a tombstone in the change log', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const put = await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('gone'), origin: 'caldav', resourceName: 'gone.ics' });
    await assert.rejects(deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'gone.ics', origin: 'caldav', ifMatch: 'stale' }), PreconditionFailed);
    const del = await deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'gone.ics', origin: 'caldav', ifMatch: put.etag });
    assert.equal(del.position, 2n);
    const s = await snapshot(cal.id, owner.id);
    assert.equal(s.items.length, 0);
    assert.deepEqual(s.changes.map((c) => [c.position, c.operation, c.uid]), [[1n, 'put', 'gone'], [2n, 'delete', 'gone']]);
    assert.equal(s.usedBytes, 0n);
    await assert.rejects(deleteItem(store, { actorUserId: owner.id, collectionId: cal.id, resourceName: 'gone.ics', origin: 'caldav' }), NotFound);
    assert.equal((await snapshot(cal.id, owner.id)).position, 2n, 'a refused delete does not move the position');
  });
});

describe('itemsInRange', () => {
  it('finds single, recurring and unbounded items through the indexed bounds', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const put = (name: string, icalendar: string) => putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar, origin: 'api', resourceName: name });
    await put('standup.ics', fixture('weekly-standup-with-exception.ics'));
    await put('vitamins.ics', fixture('daily-forever.ics'));
    await put('planning.ics', fixture('outlook-windows-tz-meeting.ics'));
    await put('someday.ics', todoIcs('someday'));
    const names = async (from: string, to: string) => (await itemsInRange(store, owner.id, cal.id, new Date(from), new Date(to))).map((i) => i.resourceName).sort();
    assert.deepEqual(await names('2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z'), ['someday.ics', 'standup.ics', 'vitamins.ics']);
    assert.deepEqual(await names('2026-12-03T08:00:00Z', '2026-12-03T09:30:00Z'), ['planning.ics', 'someday.ics', 'vitamins.ics']);
    assert.deepEqual(await names('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z'), ['someday.ics']);
  });
});
