// The write rules, through every writer. Each rule (stale ETag, stale
// version, quota, component set, name clash, duplicate UID, viewer write) is
// tried through CalDAV PUT, COPY, MOVE and DELETE over real HTTP, SMTP
// delivery with a real SMTP client, and the domain call the web UI and API
// make. A refusal is answered with its protocol's code and changes nothing
// (items, change log, positions, quota, accepted mail); where mail's rule is
// not a refusal (an older SEQUENCE is ignored, a held name gets a name of its
// own, a known UID is updated) the table says what it does instead. A cell is
// absent where the rule cannot arise for that writer (DELETE charges no
// quota; mail carries no ETag).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCollectionAddress, type SenderPolicy } from '../../src/domain/addresses.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { InvalidInput, PreconditionFailed } from '../../src/domain/errors.ts';
import { clashFreeName } from '../../src/domain/item-write.ts';
import { deleteItem, putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DAV, DavClient, errorCondition, startServer } from '../helpers/dav.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { TEST_AUDIT, eventIcs, makeCollection, makeUser, todoIcs } from '../helpers/world.ts';
import { writeSnapshot } from '../helpers/write-snapshot.ts';

const { store } = await freshDatabase('write_rules');
const base = await startServer(store);
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())));

type User = Awaited<ReturnType<typeof makeUser>>;

/** One owner with an events-only calendar (holding a.ics, UID a), a second one and a tasks list (t.ics), and a mail address for the events. */
async function world(opts: { policy?: SenderPolicy } = {}) {
  const tag = randomBytes(3).toString('hex');
  const owner = await makeUser(store, 'owner');
  const events = await makeCollection(store, owner, { slug: 'events', name: 'Events', components: ['VEVENT'] });
  const more = await makeCollection(store, owner, { slug: 'more', name: 'More', components: ['VEVENT'] });
  const tasks = await makeCollection(store, owner, { slug: 'tasks', name: 'Tasks', components: ['VTODO'] });
  const dav = new DavClient(base, owner.email);
  const at = (slug: string, name = '') => `${dav.home}${slug}/${name}`;
  const uid = (name: string) => `${name}-${tag}@example.com`;
  await dav.put(at('events', 'a.ics'), eventIcs(uid('a')), 201);
  await dav.put(at('more', 'm.ics'), eventIcs(uid('m')), 201);
  await dav.put(at('tasks', 't.ics'), todoIcs(uid('t')), 201);
  const address = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: events.id, domain: 'tidings.test', policy: opts.policy ?? 'anyone' }, TEST_AUDIT);
  const users: User[] = [owner];
  const collections = [events.id, more.id, tasks.id];
  return { owner, events, more, tasks, dav, at, uid, address: address.address, addressId: address.id, users, collections };
}
type World = Awaited<ReturnType<typeof world>>;

/** Everything a write can touch in the world. */
const snapshot = (w: World) => writeSnapshot(store, { collections: w.collections, users: w.users.map((u) => u.id), addressId: w.addressId });

/**
 * Runs `write` and proves it changed nothing. A refused message leaves its
 * refusal record (no exactly-once key; its owner sees why), and only that.
 */
async function unchanged(w: World, write: () => Promise<unknown>, opts: { refusalRecord?: boolean } = {}): Promise<void> {
  const before = await snapshot(w);
  await write();
  const after = await snapshot(w);
  assert.deepEqual({ ...after, records: before.records }, before);
  assert.equal(after.records, before.records + (opts.refusalRecord ? 1 : 0), 'inbound records');
}

const invitation = (w: World, ics: string, from: string, method: string) =>
  compose({
    from,
    to: w.address,
    subject: 'Planning',
    messageId: messageId('partner.test'),
    icalEvent: { method, content: ics.replace('VERSION:2.0\r\n', `VERSION:2.0\r\nMETHOD:${method}\r\n`) },
  });

const mail = async (w: World, ics: string, from = 'organizer@partner.test', method = 'REQUEST') =>
  (await sendOnce(robot.port, from, w.address, await invitation(w, ics, from, method))).response;

const condition = (text: string) => errorCondition(text);
const destination = (path: string, overwrite?: 'T' | 'F') => ({ headers: { Destination: `${base}${path}`, ...(overwrite ? { Overwrite: overwrite } : {}) } });

/** A collection of another owner, shared with the world's owner as `role`; that owner is added to the world. */
async function sharedWith(w: World, role: 'editor' | 'viewer', quotaBytes?: bigint) {
  const other = await makeUser(store, 'other', quotaBytes !== undefined ? { quotaBytes } : {});
  const collection = await makeCollection(store, other, { slug: 'theirs', name: 'Theirs', components: ['VEVENT'] });
  await shareCollection(store, other.id, collection.id, w.owner.email, role, TEST_AUDIT);
  w.users.push(other);
  w.collections.push(collection.id);
  return { other, collection, href: (name = '') => `${w.dav.home}shared~${collection.id}/${name}` };
}

describe('a stale ETag (If-Match) is refused by every writer', () => {
  it('PUT, COPY, MOVE and DELETE answer 412; the domain throws PreconditionFailed', async () => {
    const w = await world();
    const stale = { 'If-Match': '"not-the-current-etag"' };
    await unchanged(w, () => w.dav.put(w.at('events', 'a.ics'), eventIcs(w.uid('a'), { summary: 'Older copy' }), 412, stale));
    await unchanged(w, () => w.dav.expect(412, 'COPY', w.at('events', 'a.ics'), { headers: { ...destination(w.at('more', 'copy.ics')).headers, ...stale } }));
    await unchanged(w, () => w.dav.expect(412, 'MOVE', w.at('events', 'a.ics'), { headers: { ...destination(w.at('more', 'moved.ics')).headers, ...stale } }));
    await unchanged(w, () => w.dav.expect(412, 'DELETE', w.at('events', 'a.ics'), { headers: stale }));
    await unchanged(w, () =>
      assert.rejects(putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, icalendar: eventIcs(w.uid('a')), origin: 'api', ifMatch: 'stale' }), PreconditionFailed),
    );
  });
});

describe('a stale version is refused by every writer that names one', () => {
  it('the domain (web UI, API) refuses an expected version that is not current, for a put by name or by UID and for a delete', async () => {
    const w = await world();
    await unchanged(w, () =>
      assert.rejects(putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, resourceName: 'a.ics', icalendar: eventIcs(w.uid('a')), origin: 'api', expectedVersion: 7 }), PreconditionFailed),
    );
    await unchanged(w, () =>
      assert.rejects(putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, icalendar: eventIcs(w.uid('a')), origin: 'web', expectedVersion: 7 }), PreconditionFailed),
    );
    await unchanged(w, () => assert.rejects(deleteItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, resourceName: 'a.ics', origin: 'api', expectedVersion: 7 }), PreconditionFailed));
    // The current version is taken, by UID as by name.
    const r = await putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, icalendar: eventIcs(w.uid('a'), { summary: 'Current' }), origin: 'web', expectedVersion: 1 });
    assert.deepEqual([r.resourceName, r.version, r.created], ['a.ics', 2, false]);
  });

  it('SMTP answers 250 to an older SEQUENCE (RFC 5546 2.1.5) and changes no item', async () => {
    const w = await world();
    assert.equal(await mail(w, eventIcs(w.uid('a'), { summary: 'Newer', extra: 'SEQUENCE:3' })), '250 2.6.0 accepted, 1 item stored');
    const before = await snapshot(w);
    assert.equal(await mail(w, eventIcs(w.uid('a'), { summary: 'Older', extra: 'SEQUENCE:1' })), '250 2.6.0 accepted, nothing changed (see the inbound record)');
    const after = await snapshot(w);
    assert.deepEqual({ ...after, accepted: before.accepted, records: before.records, useCount: before.useCount }, before, 'only the inbound record and the address counter are new');
    assert.deepEqual([after.accepted, after.records, after.useCount], [before.accepted + 1, before.records + 1, before.useCount + 1]);
  });
});

describe('the owner quota is checked by every writer that grows it', () => {
  it('PUT, COPY and MOVE answer 507 quota-not-exceeded; SMTP 552 5.2.2', async () => {
    const w = await world();
    // Room for a few bytes, not for another item (RCPT still sees room: the write itself must refuse).
    const used = (await store.db.user.findUniqueOrThrow({ where: { id: w.owner.id } })).usedBytes;
    await store.db.user.update({ where: { id: w.owner.id }, data: { quotaBytes: used + 20n } });
    const put = await w.dav.put(w.at('events', 'new.ics'), eventIcs(w.uid('new')), 507);
    assert.equal(condition(put.text), `{${DAV}}quota-not-exceeded`);
    await unchanged(w, () => w.dav.put(w.at('events', 'new.ics'), eventIcs(w.uid('new')), 507));
    await unchanged(w, () => w.dav.expect(507, 'COPY', w.at('events', 'a.ics'), destination(w.at('more', 'copy.ics'))));
    // A MOVE between one owner's collections does not grow their usage; into another owner's full collection it does.
    const theirs = await sharedWith(w, 'editor', 10n);
    await unchanged(w, () => w.dav.expect(507, 'MOVE', w.at('events', 'a.ics'), destination(theirs.href('moved.ics'))));
    await unchanged(w, async () => assert.match(await mail(w, eventIcs(w.uid('mailed'))), /^552 5\.2\.2 /), { refusalRecord: true });
  });
});

describe("the collection's component set is checked by every writer", () => {
  it('a VTODO into a VEVENT-only calendar: PUT, COPY and MOVE answer 403 supported-calendar-component; SMTP 554 5.6.0', async () => {
    const w = await world();
    await unchanged(w, async () => {
      const res = await w.dav.put(w.at('events', 'todo.ics'), todoIcs(w.uid('todo')), 403);
      assert.equal(condition(res.text), `{${CALDAV}}supported-calendar-component`);
    });
    for (const method of ['COPY', 'MOVE']) {
      await unchanged(w, async () => {
        const res = await w.dav.expect(403, method, w.at('tasks', 't.ics'), destination(w.at('events', 't.ics')));
        assert.equal(condition(res.text), `{${CALDAV}}supported-calendar-component`);
      });
    }
    await unchanged(w, async () => assert.match(await mail(w, todoIcs(w.uid('mailed-todo')), undefined, 'PUBLISH'), /^554 5\.6\.0 .*VTODO/), { refusalRecord: true });
    await unchanged(w, () =>
      assert.rejects(
        putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, icalendar: todoIcs(w.uid('api-todo')), origin: 'api' }),
        (err: unknown) => err instanceof InvalidInput && err.reason === 'supported-calendar-component',
      ),
    );
  });
});

describe('a name held by another UID', () => {
  it('PUT answers 409 no-uid-conflict; COPY and MOVE with Overwrite: F answer 412', async () => {
    const w = await world();
    await unchanged(w, async () => {
      const res = await w.dav.put(w.at('events', 'a.ics'), eventIcs(w.uid('intruder')), 409);
      assert.equal(condition(res.text), `{${CALDAV}}no-uid-conflict`);
    });
    await unchanged(w, () => w.dav.expect(412, 'COPY', w.at('more', 'm.ics'), destination(w.at('events', 'a.ics'), 'F')));
    await unchanged(w, () => w.dav.expect(412, 'MOVE', w.at('more', 'm.ics'), destination(w.at('events', 'a.ics'), 'F')));
  });

  it('mail and writers by UID (web UI, API) give the item one name of its own, derived from its UID alone', async () => {
    const w = await world();
    const [mailed, posted] = [w.uid('mailed'), w.uid('posted')];
    // A client stored other UIDs under the names these UIDs would get by default.
    await w.dav.put(w.at('events', `${mailed}.ics`), eventIcs(w.uid('squatter-1')), 201);
    await w.dav.put(w.at('events', `${posted}.ics`), eventIcs(w.uid('squatter-2')), 201);
    assert.equal(await mail(w, eventIcs(mailed, { summary: 'By mail' })), '250 2.6.0 accepted, 1 item stored');
    const api = await putItem(store, { actorUserId: w.owner.id, collectionId: w.events.id, icalendar: eventIcs(posted, { summary: 'By API' }), origin: 'api' });
    assert.equal(api.resourceName, clashFreeName(posted));
    const names = await store.db.item.findMany({ where: { collectionId: w.events.id, uid: { in: [mailed, posted] } }, select: { uid: true, resourceName: true } });
    assert.deepEqual(Object.fromEntries(names.map((i) => [i.uid, i.resourceName])), { [mailed]: clashFreeName(mailed), [posted]: clashFreeName(posted) });
  });
});

describe('a UID already stored in another resource of the collection', () => {
  it('PUT, COPY and MOVE answer 409 no-uid-conflict (RFC 4791 5.3.2.1)', async () => {
    const w = await world();
    await unchanged(w, async () => {
      const res = await w.dav.put(w.at('events', 'second.ics'), eventIcs(w.uid('a')), 409);
      assert.equal(condition(res.text), `{${CALDAV}}no-uid-conflict`);
      assert.match(res.text, /a\.ics<\/d:href>/, 'the error names the resource holding the UID');
    });
    await unchanged(w, async () => assert.equal(condition((await w.dav.expect(409, 'COPY', w.at('events', 'a.ics'), destination(w.at('events', 'copy.ics')))).text), `{${CALDAV}}no-uid-conflict`));
    // The same UID in another calendar is another item; moving it next to its namesake is the conflict.
    await w.dav.put(w.at('more', 'twin.ics'), eventIcs(w.uid('a'), { summary: 'Twin' }), 201);
    await unchanged(w, async () => assert.equal(condition((await w.dav.expect(409, 'MOVE', w.at('more', 'twin.ics'), destination(w.at('events', 'twin.ics')))).text), `{${CALDAV}}no-uid-conflict`));
  });

  it('SMTP updates the item holding the UID and stores no second one', async () => {
    const w = await world();
    const before = await snapshot(w);
    assert.equal(await mail(w, eventIcs(w.uid('a'), { summary: 'Moved by mail', extra: 'SEQUENCE:1' })), '250 2.6.0 accepted, 1 item stored');
    const after = await snapshot(w);
    const a = after.items.filter((i) => i.uid === w.uid('a'));
    assert.deepEqual(a.map((i) => [i.resourceName, i.version, i.summary]), [['a.ics', 2, 'Moved by mail']]);
    assert.equal(after.items.length, before.items.length);
  });
});

describe('a viewer writes', () => {
  it('PUT, COPY into, MOVE out of and DELETE in a viewed calendar answer 403 need-privileges; SMTP from a viewer to an owner-only address 550 5.7.1', async () => {
    const w = await world({ policy: 'owner' });
    const viewer = await makeUser(store, 'viewer');
    await shareCollection(store, w.owner.id, w.events.id, viewer.email, 'viewer', TEST_AUDIT);
    const own = await makeCollection(store, viewer, { slug: 'mine', name: 'Mine', components: ['VEVENT'] });
    w.users.push(viewer);
    w.collections.push(own.id);
    const dav = new DavClient(base, viewer.email);
    const shared = (name: string) => `${dav.home}shared~${w.events.id}/${name}`;
    await dav.put(`${dav.home}mine/v.ics`, eventIcs(w.uid('v')), 201);
    const refused = async (res: Promise<{ text: string }>) => assert.equal(condition((await res).text), `{${DAV}}need-privileges`);
    await unchanged(w, () => refused(dav.put(shared('new.ics'), eventIcs(w.uid('new')), 403)));
    await unchanged(w, () => refused(dav.put(shared('a.ics'), eventIcs(w.uid('a'), { summary: 'Vandalised' }), 403)));
    await unchanged(w, () => refused(dav.expect(403, 'COPY', `${dav.home}mine/v.ics`, destination(shared('v.ics')))));
    await unchanged(w, () => refused(dav.expect(403, 'MOVE', shared('a.ics'), destination(`${dav.home}mine/a.ics`))));
    await unchanged(w, () => refused(dav.expect(403, 'DELETE', shared('a.ics'))));
    await unchanged(w, async () => assert.match(await mail(w, eventIcs(w.uid('a'), { summary: 'Vandalised', extra: 'SEQUENCE:9' }), viewer.email), /^550 5\.7\.1 /), { refusalRecord: true });
  });
});
