// The operator (whoever runs `tidings` on the server) is an actor of the
// domain: it acts on any collection on its owner's behalf, and sees what
// administrators see, without pretending to be a user. Users get no more
// than their role allows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATOR, requireAdmin } from '../../src/domain/access.ts';
import { createCollectionAddress } from '../../src/domain/addresses.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { Forbidden, InvalidInput, NotFound } from '../../src/domain/errors.ts';
import { listOutbox, retryOutboxMessage } from '../../src/domain/outbox/dead-letters.ts';
import { deleteQuarantined } from '../../src/domain/quarantine.ts';
import { freshDatabase } from '../helpers/database.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('operator');
const owner = await makeUser(store, 'owner');
const sharee = await makeUser(store, 'sharee');
const admin = await makeUser(store, 'admin', { isAdmin: true });
const cal = await makeCollection(store, owner, { name: 'Club' });

describe('the operator', () => {
  it("shares any collection, and the owner stays the owner", async () => {
    assert.deepEqual(await shareCollection(store, OPERATOR, cal.id, sharee.email, 'viewer', TEST_AUDIT), { userId: sharee.id, role: 'viewer' });
    await assert.rejects(shareCollection(store, OPERATOR, cal.id, owner.email, 'editor', TEST_AUDIT), InvalidInput);
    await assert.rejects(shareCollection(store, OPERATOR, 987654321n, sharee.email, 'editor', TEST_AUDIT), NotFound);
  });

  it("makes a collection's address, which belongs to the collection's owner", async () => {
    const address = await createCollectionAddress(store, { actorUserId: OPERATOR, collectionId: cal.id, domain: 'tidings.test' }, TEST_AUDIT);
    assert.equal(address.userId, owner.id);
    await assert.rejects(createCollectionAddress(store, { actorUserId: OPERATOR, collectionId: 987654321n, domain: 'tidings.test' }, TEST_AUDIT), NotFound);
  });

  it('reaches any quarantined message (and is told when there is none)', async () => {
    await assert.rejects(deleteQuarantined(store, OPERATOR, 987654321n, TEST_AUDIT), NotFound);
  });
});

describe('administrators only', () => {
  it('lets the operator and admins in, and refuses other users', async () => {
    await requireAdmin(store.db, OPERATOR);
    await requireAdmin(store.db, admin.id);
    await assert.rejects(requireAdmin(store.db, owner.id), Forbidden);
  });

  it('guards the outbox: listing and retrying dead letters', async () => {
    assert.deepEqual(await listOutbox(store, OPERATOR, 'dead'), []);
    assert.deepEqual(await listOutbox(store, admin.id), []);
    await assert.rejects(listOutbox(store, admin.id, 'lost'), InvalidInput);
    await assert.rejects(listOutbox(store, owner.id, 'dead'), Forbidden);
    assert.equal(await retryOutboxMessage(store, admin.id, 987654321n), false);
    await assert.rejects(retryOutboxMessage(store, sharee.id, 987654321n), Forbidden);
  });
});
