import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressKey,
  createCollectionAddress,
  CROCKFORD32,
  findAddress,
  generateLocalPart,
  listAddresses,
  rotateAddress,
  setAddressEnabled,
} from '../../src/domain/addresses.ts';
import { InvalidInput, NotFound } from '../../src/domain/errors.ts';
import { freshDatabase } from '../helpers/database.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';

const { store } = await freshDatabase('addresses');
const owner = await makeUser(store);
const cal = await makeCollection(store, owner);
const DOMAIN = 'tidings.localhost';

describe('generateLocalPart', () => {
  it('makes readable, unguessable local parts with at least 64 random bits', () => {
    const seen = new Set<string>();
    const symbolCounts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const lp = generateLocalPart();
      assert.match(lp, /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
      seen.add(lp);
      for (const ch of lp.replaceAll('-', '')) symbolCounts.set(ch, (symbolCounts.get(ch) ?? 0) + 1);
    }
    assert.equal(seen.size, 5000);
    // 16 symbols of 5 bits = 80 bits, and every symbol of the alphabet is used.
    assert.equal(CROCKFORD32.length, 32);
    assert.equal(symbolCounts.size, 32);
    assert.ok(16 * Math.log2(CROCKFORD32.length) >= 64);
  });
});

describe('addressKey', () => {
  it('lower-cases and drops a +tag', () => {
    assert.deepEqual(addressKey('AbCd-EfGh+Work@Tidings.Localhost'), { localPart: 'abcd-efgh', domain: 'tidings.localhost' });
    assert.throws(() => addressKey('no-at-sign'), InvalidInput);
    assert.throws(() => addressKey('@domain'), InvalidInput);
  });
});

describe('collection addresses', () => {
  it('are created for the owner with defaults, found case-insensitively and with a tag', async () => {
    const a = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN }, TEST_AUDIT);
    assert.equal(a.policy, 'owner');
    assert.equal(a.itemMode, 'auto');
    assert.equal(a.enabled, true);
    assert.equal(a.address, `${a.localPart}@${DOMAIN}`);
    assert.equal((await findAddress(store, a.address.toUpperCase()))?.id, a.id);
    assert.equal((await findAddress(store, a.address.replace('@', '+holiday@')))?.id, a.id);
  });

  it('take an allowlist, validated and normalised', async () => {
    const a = await createCollectionAddress(
      store,
      { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN, policy: 'allowlist', itemMode: 'task', allowlist: [' Boss@Example.com', '@partner.example', 'boss@example.com'] },
      TEST_AUDIT,
    );
    assert.deepEqual(a.allowlist, ['boss@example.com', '@partner.example']);
    await assert.rejects(createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN, policy: 'allowlist' }, TEST_AUDIT), InvalidInput);
    await assert.rejects(
      createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN, policy: 'allowlist', allowlist: ['not valid'] }, TEST_AUDIT),
      InvalidInput,
    );
    await assert.rejects(createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN, policy: 'everyone' as 'anyone' }, TEST_AUDIT), InvalidInput);
  });

  it('rotate to a new local part; the old one stops resolving at once', async () => {
    const a = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN, policy: 'members' }, TEST_AUDIT);
    const rotated = await rotateAddress(store, a.address, TEST_AUDIT);
    assert.notEqual(rotated.localPart, a.localPart);
    assert.equal(rotated.id, a.id);
    assert.equal(rotated.policy, 'members', 'settings survive rotation');
    assert.equal(await findAddress(store, a.address), null);
    await assert.rejects(rotateAddress(store, a.address, TEST_AUDIT), NotFound);
    const audit = await store.db.auditEntry.findFirstOrThrow({ where: { action: 'address.rotate', targetId: String(a.id) } });
    assert.match(audit.detail, new RegExp(`${a.localPart}.*->.*${rotated.localPart}`));
  });

  it('disable and enable', async () => {
    const a = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: cal.id, domain: DOMAIN }, TEST_AUDIT);
    assert.equal((await setAddressEnabled(store, a.address, false, TEST_AUDIT)).enabled, false);
    assert.equal((await findAddress(store, a.address))?.enabled, false);
    assert.equal((await setAddressEnabled(store, a.address, true, TEST_AUDIT)).enabled, true);
    await assert.rejects(setAddressEnabled(store, 'nope@tidings.localhost', false, TEST_AUDIT), NotFound);
  });

  it('list by collection', async () => {
    const other = await makeCollection(store, owner, { name: 'Other' });
    await createCollectionAddress(store, { actorUserId: owner.id, collectionId: other.id, domain: DOMAIN }, TEST_AUDIT);
    const list = await listAddresses(store, { collectionId: other.id });
    assert.equal(list.length, 1);
    assert.ok((await listAddresses(store, { collectionId: cal.id })).every((a) => a.collectionId === cal.id));
  });
});
