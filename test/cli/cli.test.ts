// The `tidings` command end to end: a child process against a real database.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import ICAL from 'ical.js';
import { putItem } from '../../src/domain/items.ts';
import { openStore } from '../../src/store/index.ts';
import { loadMigrations } from '../../src/store/migrate.ts';
import { runCli } from '../helpers/cli.ts';
import { dropDatabase, testDatabaseUrl } from '../helpers/database.ts';
import { eventIcs } from '../helpers/world.ts';

const db = testDatabaseUrl('cli');
after(() => dropDatabase(db.name));
const env = { DATABASE_URL: db.url, MAIL_DOMAIN: 'in.tidings.test' };
const cli = (...args: string[]) => runCli(args, env);
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  assert.equal(r.code, 0, `tidings ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('tidings CLI', () => {
  it('migrates a database that does not exist yet, then again as a no-op', async () => {
    const first = await json('migrate');
    assert.equal(first.created, true);
    assert.equal(first.applied.length, (await loadMigrations()).length);
    const second = await json('migrate');
    assert.deepEqual(second.applied, []);
    assert.equal(second.epoch, first.epoch);
  });

  it('adds users, refuses a duplicate with a clear error and writes nothing', async () => {
    const ana = await json('user', 'add', 'Ana@Example.com', '--password', 'ana password', '--admin');
    assert.equal(ana.user.email, 'ana@example.com');
    assert.equal(ana.user.isAdmin, true);
    await json('user', 'add', 'bo@example.com', '--password', 'bo password');
    const dup = await cli('user', 'add', 'ANA@example.com', '--password', 'whatever123');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    assert.doesNotMatch(dup.stderr, /at .*\.ts:\d+/, 'no stack trace for a refused command');
    const store = openStore(db.url, { connectionLimit: 1 });
    try {
      assert.equal(await store.db.user.count(), 2);
    } finally {
      await store.close();
    }
  });

  it('creates, shares and exports collections; manages addresses', async () => {
    const created = await json('collection', 'add', 'ana@example.com', 'Team Calendar', '--time-zone', 'Europe/Berlin');
    const id = created.collection.id as string;
    assert.equal(created.collection.timeZone, 'Europe/Berlin');
    const shared = await json('collection', 'share', id, 'bo@example.com', '--role', 'viewer');
    assert.equal(shared.role, 'viewer');
    const listed = await json('collection', 'list', 'bo@example.com');
    assert.deepEqual(listed.collections.map((c: { id: string; role: string }) => [c.id, c.role]), [[id, 'viewer']]);

    const plain = await cli('address', 'add', '--collection', id, '--policy', 'members', '--mode', 'event');
    assert.equal(plain.code, 0, plain.stderr);
    const address = plain.stdout.trim();
    assert.match(address, /^[0-9a-z]{4}(-[0-9a-z]{4}){3}@in\.tidings\.test$/);
    const list = await json('address', 'list', '--collection', id);
    assert.deepEqual(list.addresses.map((a: { address: string; policy: string; itemMode: string }) => [a.address, a.policy, a.itemMode]), [[address, 'members', 'event']]);
    const disabled = await json('address', 'disable', address);
    assert.equal(disabled.address.enabled, false);
    const enabled = await json('address', 'enable', address.toUpperCase());
    assert.equal(enabled.address.enabled, true);
    const rotated = await json('address', 'rotate', address);
    assert.notEqual(rotated.address.address, address);
    const gone = await cli('address', 'disable', address);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no submission address/);

    // An item written through the domain shows up in the export as iCalendar.
    const store = openStore(db.url, { connectionLimit: 1 });
    try {
      const owner = await store.db.user.findUniqueOrThrow({ where: { email: 'ana@example.com' } });
      await putItem(store, { actorUserId: owner.id, collectionId: BigInt(id), icalendar: eventIcs('exported-1', { summary: 'Offsite' }), origin: 'api' });
    } finally {
      await store.close();
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'tidings-export-'));
    const file = path.join(dir, 'ana.json');
    const exported = await json('export', 'ana@example.com', '--out', file);
    assert.equal(exported.collections, 1);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(doc.user.email, 'ana@example.com');
    assert.equal(doc.collections[0].name, 'Team Calendar');
    assert.equal(doc.addresses[0].address, rotated.address.address);
    const calendar = new ICAL.Component(ICAL.parse(doc.collections[0].icalendar) as unknown[]);
    assert.deepEqual(calendar.getAllSubcomponents('vevent').map((e) => e.getFirstPropertyValue('summary')), ['Offsite']);
  });

  it('disables and enables users', async () => {
    const off = await json('user', 'disable', 'bo@example.com');
    assert.ok(off.user.disabledAt);
    const on = await json('user', 'enable', 'bo@example.com');
    assert.equal(on.user.disabledAt, null);
  });

  it('prints usage and exits 2 on misuse', async () => {
    for (const args of [['bogus'], ['user', 'add', 'x@example.com'], ['collection', 'share', 'abc', 'x@example.com', '--role', 'viewer'], ['address', 'add'], ['user', 'add', '--nope'], ['export', 'ana@example.com']]) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `tidings ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: tidings/);
    }
    const share = await cli('collection', 'share', '1', 'bo@example.com', '--role', 'admin');
    assert.equal(share.code, 2);
    assert.match(share.stderr, /--role editor\|viewer/);
  });

  it('reports errors as JSON with --json', async () => {
    const r = await cli('user', 'disable', 'nobody@example.com', '--json');
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), { error: { kind: 'NotFound', message: 'no user with email nobody@example.com' } });
  });

  it('names the bad variable in one line and exits 2 on invalid configuration', async () => {
    const r = await runCli(['migrate'], { DATABASE_URL: db.url, HTTP_PORT: 'eighty' });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'tidings: invalid configuration: HTTP_PORT: must be a whole number, got "eighty"');
  });

  it('explains an unreachable database with the password masked and how to start MariaDB', async () => {
    const r = await runCli(['migrate'], { DATABASE_URL: 'mysql://app:hunter2@127.0.0.1:1/tidings' });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /hunter2/);
    assert.match(r.stderr, /cannot reach the database at DATABASE_URL=mysql:\/\/app:\*\*\*@127\.0\.0\.1:1\/tidings \(ECONNREFUSED\)/);
    assert.match(r.stderr, /mariadb/i);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  });
});
