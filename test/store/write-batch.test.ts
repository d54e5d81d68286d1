// The write batch (store/write-batch.ts): a transaction sent as one
// multi-statement query, committed only when every check passed, and the
// driver's error codes handed to the domain as typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadlock, translateDriverError, UniqueViolation } from '../../src/store/errors.ts';
import { runWriteBatch } from '../../src/store/write-batch.ts';
import { freshDatabase } from '../helpers/database.ts';
import { makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('write_batch');

const position = async (id: bigint) => (await store.db.collection.findUniqueOrThrow({ where: { id }, select: { changePosition: true } })).changePosition;
const bump = (id: bigint) => ({ sql: 'UPDATE collections SET changePosition = changePosition + 1 WHERE id = ?', params: [String(id)] });

describe('runWriteBatch', () => {
  it('commits every statement of the batch together', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    await runWriteBatch(store.batchPool, [bump(cal.id), bump(cal.id)]);
    assert.equal(await position(cal.id), 2n);
  });

  it('rolls back when a check refuses, and throws the preferred refusal', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    class First extends Error {}
    class Preferred extends Error {}
    const refused = runWriteBatch(
      store.batchPool,
      [
        { ...bump(cal.id), check: () => new First('first') },
        { ...bump(cal.id), check: () => new Preferred('preferred') },
      ],
      (err) => err instanceof Preferred,
    );
    await assert.rejects(refused, Preferred);
    assert.equal(await position(cal.id), 0n);
  });

  it('turns a duplicate key into UniqueViolation naming the key, and rolls back', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner);
    const change = { sql: "INSERT INTO changes (collectionId, position, operation, uid, resourceName, origin) VALUES (?, 1, 'put', 'u', 'u.ics', 'api')", params: [String(cal.id)] };
    await assert.rejects(runWriteBatch(store.batchPool, [bump(cal.id), change, change]), (err: unknown) => err instanceof UniqueViolation && err.key === 'changes_collectionId_position_key');
    assert.equal(await position(cal.id), 0n);
    assert.equal(await store.db.change.count({ where: { collectionId: cal.id } }), 0);
  });
});

describe('translateDriverError', () => {
  it("maps mysql2's ER_LOCK_DEADLOCK to Deadlock and leaves other errors as they are", () => {
    assert.ok(translateDriverError(Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' })) instanceof Deadlock);
    const timeout = Object.assign(new Error('Lock wait timeout exceeded'), { code: 'ER_LOCK_WAIT_TIMEOUT' });
    assert.equal(translateDriverError(timeout), timeout);
  });
});
