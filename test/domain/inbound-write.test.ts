// The mail delivery write path (domain/inbound-write.ts): one read, then the
// whole transaction as one multi-statement batch and COMMIT. Every rule the
// batch checks by row count (collection ownership, quota, the version an
// update was planned against) must leave nothing behind when broken, and a
// concurrent writer must make deliverToCollection start over, not fail.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deliverToCollection, type Delivery } from '../../src/domain/inbound.ts';
import { commitDelivery, prepareItem, readForDelivery, type DeliveryCommit } from '../../src/domain/inbound-write.ts';
import { NotFound, PreconditionFailed, QuotaExceeded } from '../../src/domain/errors.ts';
import { parseVcalendar } from '../../src/domain/icalendar.ts';
import { putItem } from '../../src/domain/items.ts';
import { routeRecipient, type RoutedAddress } from '../../src/domain/routing.ts';
import { freshDatabase } from '../helpers/database.ts';
import { itemsOf, makeMailbox, type Mailbox } from '../helpers/robot-world.ts';
import { writeSnapshot } from '../helpers/write-snapshot.ts';

const { store } = await freshDatabase('inwrite');

const event = (uid: string, summary: string, sequence = 0) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T080000Z', `SEQUENCE:${sequence}`, 'DTSTART:20261215T090000Z', 'DTEND:20261215T100000Z', `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
const uidOf = () => `w-${randomBytes(4).toString('hex')}@partner.test`;

async function routed(box: Mailbox): Promise<RoutedAddress> {
  const r = await routeRecipient(store, box.address);
  assert.equal(r.verdict, 'deliver');
  return (r as { address: RoutedAddress }).address;
}

function delivery(address: RoutedAddress, objects: Array<{ uid: string; text: string }>, messageId = `<${randomBytes(6).toString('hex')}@partner.test>`): Delivery {
  return {
    address,
    envelope: { messageId, dedupeKey: messageId, mailFrom: 'a@partner.test', rcptTo: address.address, remoteAddress: '127.0.0.1', headerFrom: 'a@partner.test', subject: 's', sizeBytes: 100 },
    objects: objects.map((o) => ({ method: 'PUBLISH' as const, uid: o.uid, icalendar: parseVcalendar(o.text) })),
    trace: {},
    spamScore: null,
    replyFor: () => '250 2.6.0 ok',
  };
}

/** Everything a delivery writes. */
const snapshot = (box: Mailbox) => writeSnapshot(store, { collections: [box.collectionId], users: [box.owner.id], addressId: box.addressId });

/** A commit planned now, for the given UIDs and texts, as deliverToCollection would plan it. */
async function plannedCommit(address: RoutedAddress, texts: Array<{ uid: string; text: string }>): Promise<DeliveryCommit> {
  const reads = await readForDelivery(store, { addressId: address.addressId, dedupeKey: randomBytes(8).toString('hex'), collectionId: address.collectionId, uids: texts.map((t) => t.uid), names: [] });
  return {
    collectionId: address.collectionId,
    ownerId: address.ownerId,
    addressId: address.addressId,
    items: texts.map((t) => prepareItem(parseVcalendar(t.text), t.text, reads.byUid.get(t.uid) ?? null, { ...address, takenNames: reads.takenNames })),
    record: {
      insert: { userId: address.ownerId, addressId: address.addressId, collectionId: address.collectionId, dedupeKey: randomBytes(8).toString('hex'), messageId: '<m@x>', mailFrom: '', rcptTo: address.address, remoteAddress: '127.0.0.1', headerFrom: '', subject: '', sizeBytes: 1, outcome: 'accepted', reply: '250', spamScore: null, trace: '{}' },
    },
  };
}

describe('mail delivery writes', () => {
  it('stores several items of one message with consecutive change positions, the record and the counters', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const before = await snapshot(box);
    const [a, b] = [uidOf(), uidOf()];
    const summary = await deliverToCollection(store, delivery(address, [{ uid: a, text: event(a, 'First') }, { uid: b, text: event(b, 'Second') }]));
    assert.deepEqual(summary.items.map((i) => i.action), ['create', 'create']);
    assert.ok(summary.recordId !== null);
    const after = await snapshot(box);
    assert.deepEqual(after.items.map((i) => i.summary).sort(), ['First', 'Second']);
    assert.equal(after.position, before.position + 2n);
    const changes = await store.db.change.findMany({ where: { collectionId: box.collectionId }, orderBy: { position: 'asc' } });
    assert.deepEqual(changes.map((c) => [c.position, c.uid, c.changedFields]), [[before.position + 1n, a, 'created'], [before.position + 2n, b, 'created']]);
    assert.equal(after.records, before.records + 1);
    assert.equal(after.useCount, before.useCount + 1);
    const stored = await itemsOf(store, box.collectionId);
    assert.equal(after.usedBytes, before.usedBytes + BigInt(stored.reduce((sum, i) => sum + i.sizeBytes, 0)));
    const record = await store.db.inboundMessage.findUniqueOrThrow({ where: { id: summary.recordId! } });
    assert.equal(record.outcome, 'accepted');
  });

  it('updates in place, recording which fields changed and charging only the growth', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Draft') }]));
    const before = await snapshot(box);
    const [draft] = await itemsOf(store, box.collectionId);
    const summary = await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Final version', 1) }]));
    assert.deepEqual(summary.items.map((i) => i.action), ['update']);
    const after = await snapshot(box);
    assert.deepEqual(after.items.map((i) => [i.uid, i.version, i.summary]), [[uid, 2, 'Final version']]);
    const last = await store.db.change.findFirstOrThrow({ where: { collectionId: box.collectionId }, orderBy: { position: 'desc' } });
    assert.equal(last.changedFields, 'summary');
    const [final] = await itemsOf(store, box.collectionId);
    assert.ok(final!.sizeBytes > draft!.sizeBytes);
    assert.equal(after.usedBytes - before.usedBytes, BigInt(final!.sizeBytes - draft!.sizeBytes));
  });

  it('creates one item and updates another from one message, in one transaction', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const [known, fresh] = [uidOf(), uidOf()];
    await deliverToCollection(store, delivery(address, [{ uid: known, text: event(known, 'Known') }]));
    const before = await snapshot(box);
    const summary = await deliverToCollection(store, delivery(address, [{ uid: fresh, text: event(fresh, 'Fresh') }, { uid: known, text: event(known, 'Known, moved', 1) }]));
    assert.deepEqual(summary.items.map((i) => [i.uid, i.action]), [[fresh, 'create'], [known, 'update']]);
    const after = await snapshot(box);
    assert.deepEqual(after.items.map((i) => [i.uid, i.version, i.summary]).sort(), [[fresh, 1, 'Fresh'], [known, 2, 'Known, moved']].sort());
    assert.equal(after.position, before.position + 2n);
    assert.equal(after.records, before.records + 1);
  });

  it('refuses a commit planned against a version that changed since, and writes nothing', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'One') }]));
    const stale = await plannedCommit(address, [{ uid, text: event(uid, 'Two', 1) }]);
    // Another writer (a CalDAV client) changes the item after the plan was made.
    const [item] = await itemsOf(store, box.collectionId);
    await putItem(store, { actorUserId: box.owner.id, collectionId: box.collectionId, resourceName: item!.resourceName, icalendar: event(uid, 'Changed by a client', 2), origin: 'caldav' });
    const before = await snapshot(box);
    await assert.rejects(commitDelivery(store, stale), PreconditionFailed);
    assert.deepEqual(await snapshot(box), before);
  });

  it('starts over when the item changes between its read and the commit, and applies against the new version', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'One') }]));
    // The first read sees version 1; a client writes version 2 before the commit.
    let raced = false;
    const racing: typeof store = {
      ...store,
      batchPool: new Proxy(store.batchPool, {
        get(target, prop, receiver) {
          if (prop === 'getConnection' && !raced) {
            raced = true;
            return async () => {
              const [item] = await itemsOf(store, box.collectionId);
              await putItem(store, { actorUserId: box.owner.id, collectionId: box.collectionId, resourceName: item!.resourceName, icalendar: event(uid, 'Client edit', 1), origin: 'caldav' });
              return target.getConnection();
            };
          }
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
    };
    const summary = await deliverToCollection(racing, delivery(address, [{ uid, text: event(uid, 'Mailed update', 5) }]));
    assert.ok(raced);
    assert.deepEqual(summary.items.map((i) => i.action), ['update']);
    const [item] = await itemsOf(store, box.collectionId);
    assert.equal(item!.summary, 'Mailed update');
    assert.equal(item!.version, 3);
  });

  it('refuses a change over the owner quota and writes nothing', async () => {
    const box = await makeMailbox(store, { quotaBytes: 600n });
    const address = await routed(box);
    const uid = uidOf();
    const before = await snapshot(box);
    const big = event(uid, 'x'.repeat(700));
    await assert.rejects(deliverToCollection(store, delivery(address, [{ uid, text: big }])), QuotaExceeded);
    assert.deepEqual(await snapshot(box), before);
  });

  it('takes an update that fits the quota although a creation of the same size would not (the first attempt guesses creation)', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Short') }]));
    // Leave room for a few more bytes, not for a second copy of the item.
    const owner = await store.db.user.findUniqueOrThrow({ where: { id: box.owner.id }, select: { usedBytes: true } });
    await store.db.user.update({ where: { id: box.owner.id }, data: { quotaBytes: owner.usedBytes + 20n } });
    const summary = await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Shorter!', 1) }]));
    assert.deepEqual(summary.items.map((i) => i.action), ['update']);
    assert.deepEqual((await snapshot(box)).items.map((i) => [i.uid, i.version, i.summary]), [[uid, 2, 'Shorter!']]);
    // A new item of that size does not fit: the refusal is real.
    const other = uidOf();
    await assert.rejects(deliverToCollection(store, delivery(address, [{ uid: other, text: event(other, 'Another') }])), QuotaExceeded);
  });

  it('refuses when the collection no longer belongs to the address owner, and writes nothing', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const other = await makeMailbox(store);
    const uid = uidOf();
    const before = await snapshot(box);
    const wrong = { ...address, ownerId: other.owner.id };
    await assert.rejects(deliverToCollection(store, delivery(wrong, [{ uid, text: event(uid, 'Nope') }])), NotFound);
    assert.deepEqual(await snapshot(box), before);
  });

  it('gives an item whose default resource name another UID holds a name of its own', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    // A client stored another UID under the name this UID would get by default.
    await putItem(store, { actorUserId: box.owner.id, collectionId: box.collectionId, resourceName: `${uid}.ics`, icalendar: event(uidOf(), 'Squatter'), origin: 'caldav' });
    const summary = await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Mine') }]));
    const name = summary.items[0]!.resourceName!;
    assert.notEqual(name, `${uid}.ics`);
    assert.match(name, /^[0-9a-f]{40}\.ics$/);
    const items = await itemsOf(store, box.collectionId);
    assert.deepEqual(items.map((i) => [i.summary, i.resourceName]).sort(), [['Mine', name], ['Squatter', `${uid}.ics`]]);
  });

  it('answers a second delivery of the same message as a duplicate, from the one read', async () => {
    const box = await makeMailbox(store);
    const address = await routed(box);
    const uid = uidOf();
    const first = delivery(address, [{ uid, text: event(uid, 'Once') }], '<same@partner.test>');
    await deliverToCollection(store, first);
    const before = await snapshot(box);
    const again = await deliverToCollection(store, delivery(address, [{ uid, text: event(uid, 'Once', 4) }], '<same@partner.test>'));
    assert.equal(again.duplicate, true);
    assert.deepEqual(await snapshot(box), before);
  });
});
