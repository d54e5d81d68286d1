// Tidings' own return addresses (bounces@ and unsubscribe@MAIL_DOMAIN, kind
// 'bounce') are rows of the routing table that belong to no user: they are
// the service's, not the first account's. So no user sees them among their
// addresses or in their export, they exist before any user does, and they
// outlive every account. A database where an earlier version gave them to
// a user is put right by the migration.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createCollectionAddress, findAddress, listAddresses } from '../../src/domain/addresses.ts';
import { exportUser } from '../../src/domain/export.ts';
import { routeRecipient } from '../../src/domain/routing.ts';
import { ensureReturnRoutes } from '../../src/domain/bounces/return-mail.ts';
import { run as deliver } from '../../src/jobs/outbox-delivery.ts';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/index.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { runCli } from '../helpers/cli.ts';
import { dropDatabase, freshDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';

const db = await freshDatabase('sysaddr');
const { store } = db;
const world = await alertWorld(db);
const DOMAIN = 'tidings.example';
const signal = new AbortController().signal;

describe('the return addresses belong to no user', () => {
  it('exist once the delivery job has run, even before the first user', async () => {
    await deliver(world.ctx, signal);
    for (const address of [`bounces@${DOMAIN}`, `unsubscribe@${DOMAIN}`]) {
      const row = await findAddress(store, address);
      assert.equal(row?.kind, 'bounce', address);
      assert.equal(row?.userId, null, address);
      assert.equal(row?.collectionId, null, address);
    }
    assert.equal((await routeRecipient(store, `bounces+sometoken@${DOMAIN}`)).verdict, 'return-mail');
  });

  it("are in neither the first user's address list nor their export", async () => {
    const first = await makeUser(store, 'first', { isAdmin: true });
    await deliver(world.ctx, signal);
    const cal = await makeCollection(store, first);
    const own = await createCollectionAddress(store, { actorUserId: first.id, collectionId: cal.id, domain: DOMAIN }, TEST_AUDIT);
    assert.deepEqual((await listAddresses(store, { userId: first.id })).map((a) => a.address), [own.address]);
    const exported = await exportUser(store, first.email);
    assert.deepEqual(exported.addresses.map((a) => a.address), [own.address]);
    // The operator's view of the whole routing table still shows them, as nobody's.
    const cli = await runCli(['address', 'list', '--json'], { DATABASE_URL: db.url });
    assert.equal(cli.code, 0, cli.stderr);
    const rows = (JSON.parse(cli.stdout) as { addresses: Array<{ address: string; kind: string; userId: string | null }> }).addresses;
    assert.deepEqual(
      rows.filter((r) => r.kind === 'bounce').map((r) => [r.address, r.userId]),
      [
        [`bounces@${DOMAIN}`, null],
        [`unsubscribe@${DOMAIN}`, null],
      ],
    );
    assert.equal(rows.find((r) => r.address === own.address)?.userId, String(first.id));
  });

  it('outlive the account that was created first', async () => {
    const [first] = await store.db.user.findMany({ orderBy: { id: 'asc' }, take: 1 });
    await store.db.user.delete({ where: { id: first!.id } });
    await ensureReturnRoutes(store, DOMAIN);
    assert.equal((await findAddress(store, `bounces@${DOMAIN}`))?.userId, null);
    assert.equal((await routeRecipient(store, `unsubscribe+x@${DOMAIN}`)).verdict, 'return-mail');
  });
});

describe('a database from before, where the return addresses belong to a user', () => {
  it('is put right by the migration: the rows keep their id and settings and lose their owner', async () => {
    const all = await loadMigrations();
    const upgrade = all.findIndex((m) => m.name.endsWith('_system_addresses_without_owner'));
    assert.ok(upgrade > 0, 'the migration exists');
    const oldDir = mkdtempSync(path.join(tmpdir(), 'tidings-old-migrations-'));
    after(() => rmSync(oldDir, { recursive: true, force: true }));
    for (const m of all.slice(0, upgrade)) cpSync(path.join(MIGRATIONS_DIR, m.name), path.join(oldDir, m.name), { recursive: true });

    const { name, url } = testDatabaseUrl('sysaddr_old');
    after(() => dropDatabase(name));
    await migrate(url, oldDir);
    const old = openStore(url, { connectionLimit: 2 });
    after(() => old.close());
    await old.pool.query("INSERT INTO users (email, passwordHash, updatedAt) VALUES ('ann@example.org', 'x', NOW(3))");
    await old.pool.query(
      `INSERT INTO submission_addresses (localPart, domain, kind, collectionId, userId, policy, enabled)
       SELECT lp, ?, 'bounce', NULL, u.id, 'anyone', en FROM users u
         JOIN (SELECT 'bounces' AS lp, 1 AS en UNION ALL SELECT 'unsubscribe', 0) r`,
      [DOMAIN],
    );

    const result = await migrate(url);
    assert.deepEqual(result.applied, all.slice(upgrade).map((m) => m.name));
    const rows = await old.db.submissionAddress.findMany({ orderBy: { id: 'asc' }, select: { localPart: true, userId: true, enabled: true } });
    assert.deepEqual(rows, [
      { localPart: 'bounces', userId: null, enabled: true },
      { localPart: 'unsubscribe', userId: null, enabled: false },
    ]);
    const ann = await old.db.user.findUniqueOrThrow({ where: { email: 'ann@example.org' } });
    assert.deepEqual(await listAddresses(old, { userId: ann.id }), []);
    // The routing still knows them (and the disabled one stays disabled).
    assert.equal((await routeRecipient(old, `bounces+t@${DOMAIN}`)).verdict, 'return-mail');
    assert.equal((await routeRecipient(old, `unsubscribe+t@${DOMAIN}`)).verdict, 'disabled');
  });
});

