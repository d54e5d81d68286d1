// The store epoch after a restore: renewing it makes every sync token and
// ctag issued before foreign (DESIGN.md "Restores never revert anyone's data").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changesSince, currentSyncToken, storeEpoch } from '../../src/domain/changes.ts';
import { renewStoreEpoch } from '../../src/domain/epoch.ts';
import { InvalidInput } from '../../src/domain/errors.ts';
import { putItem } from '../../src/domain/items.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { eventIcs, makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';

const { store, url } = await freshDatabase('epoch');
const owner = await makeUser(store);

const put = (collectionId: bigint, uid: string) =>
  putItem(store, { actorUserId: owner.id, collectionId, icalendar: eventIcs(uid), origin: 'caldav', resourceName: `${uid}.ics` });

const refusedAsForeign = (err: unknown) => err instanceof InvalidInput && err.reason === 'valid-sync-token' && /another copy/.test(err.message);

describe('renewStoreEpoch', () => {
  it('replaces the epoch with 128 fresh random bits, audited, and refuses every token issued before', async () => {
    const cal = await makeCollection(store, owner);
    await put(cal.id, 'a');
    const before = await currentSyncToken(store, owner.id, cal.id);
    const oldEpoch = await storeEpoch(store);
    assert.ok(before.startsWith(`${oldEpoch}-`));

    const renewal = await renewStoreEpoch(store, TEST_AUDIT);
    assert.equal(renewal.previous, oldEpoch);
    assert.match(renewal.epoch, /^[0-9a-f]{32}$/);
    assert.notEqual(renewal.epoch, oldEpoch);
    assert.equal(await storeEpoch(store), renewal.epoch);

    // The position is the same (nothing was written), only the epoch moved: still refused.
    await assert.rejects(changesSince(store, owner.id, cal.id, before), refusedAsForeign);
    const after = await currentSyncToken(store, owner.id, cal.id);
    assert.equal(after, before.replace(oldEpoch, renewal.epoch), 'the ctag changes too');
    // A full sync (no token) works and hands out a token of the new epoch, which is accepted.
    const full = await changesSince(store, owner.id, cal.id, null);
    assert.deepEqual(full.changes.map((c) => c.resourceName), ['a.ics']);
    assert.deepEqual((await changesSince(store, owner.id, cal.id, full.syncToken)).changes, []);

    const audit = await store.db.auditEntry.findFirst({ where: { action: 'store.epoch.renew' }, orderBy: { id: 'desc' } });
    assert.ok(audit, 'an audit entry');
    assert.equal(audit.detail, `${oldEpoch} -> ${renewal.epoch}`);
  });

  it('is what `tidings epoch renew` runs', async () => {
    const cal = await makeCollection(store, owner);
    await put(cal.id, 'b');
    const before = await currentSyncToken(store, owner.id, cal.id);
    const r = await runCli(['epoch', 'renew', '--json'], { DATABASE_URL: url, MAIL_DOMAIN: 'in.tidings.test' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { previous: string; epoch: string };
    assert.equal(out.epoch, await storeEpoch(store));
    assert.ok(before.startsWith(`${out.previous}-`));
    await assert.rejects(changesSince(store, owner.id, cal.id, before), refusedAsForeign);
    const audit = await store.db.auditEntry.findFirst({ where: { action: 'store.epoch.renew' }, orderBy: { id: 'desc' } });
    assert.equal(audit?.channel, 'cli');

    const usage = await runCli(['epoch', 'rewind'], { DATABASE_URL: url, MAIL_DOMAIN: 'in.tidings.test' });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown epoch command "rewind"/);
  });
});
