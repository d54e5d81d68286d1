// The migration runner (src/store/migrate.ts): it creates the database, applies
// prisma/migrations/*/migration.sql once each under a lock, records them in
// `_prisma_migrations` the way `prisma migrate deploy` does, refuses to go on
// after a failed migration, and makes the store epoch.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { migrate, MigrationError, MIGRATIONS_DIR } from '../../src/store/migrate.ts';
import { dropDatabase, TEST_SERVER, testDatabaseUrl } from '../helpers/database.ts';

const EPOCH = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The migration folders, read here rather than through the runner's loadMigrations. */
function migrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Prisma's checksum: sha256 of the migration.sql bytes, lower-case hex. */
function checksumOf(dir: string, name: string): string {
  return createHash('sha256').update(readFileSync(path.join(dir, name, 'migration.sql'))).digest('hex');
}

const REAL = migrationNames(MIGRATIONS_DIR);

/** A database name that does not exist yet; dropped when the calling test ends. */
function newDatabase(prefix: string): { name: string; url: string } {
  const db = testDatabaseUrl(prefix);
  after(() => dropDatabase(db.name));
  return db;
}

async function query(url: string, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const conn = await mysql.createConnection(url);
  try {
    const [rows] = await conn.query<RowDataPacket[]>(sql, params);
    return rows;
  } finally {
    await conn.end();
  }
}

const server = TEST_SERVER.replace(/\/+$/, '') + '/';

async function databaseExists(name: string): Promise<boolean> {
  return (await query(server, 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])).length === 1;
}

async function migrationRows(url: string): Promise<RowDataPacket[]> {
  return query(
    url,
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
}

async function epochRows(url: string): Promise<RowDataPacket[]> {
  return query(url, 'SELECT id, epoch FROM store_epoch ORDER BY id');
}

describe('migrate', () => {
  it('creates a missing database, applies every migration and records each as Prisma does', async () => {
    assert.ok(REAL.length > 0, 'prisma/migrations has migrations');
    const { name, url } = newDatabase('mig_new');
    assert.equal(await databaseExists(name), false);

    const before = Date.now();
    const result = await migrate(url);
    assert.equal(result.database, name);
    assert.equal(result.created, true);
    assert.deepEqual(result.applied, REAL);
    assert.deepEqual(result.alreadyApplied, []);
    assert.match(result.epoch, EPOCH);

    const [schema] = await query(server, 'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
    assert.deepEqual({ ...schema }, { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });

    const rows = await migrationRows(url);
    assert.deepEqual(rows.map((r) => r.migration_name), REAL, 'one row per migration folder, in order');
    for (const r of rows) {
      const where = r.migration_name as string;
      assert.match(r.id, UUID, `${where}: id`);
      assert.equal(r.checksum, checksumOf(MIGRATIONS_DIR, where), `${where}: checksum is sha256 hex of migration.sql`);
      assert.ok(r.started_at instanceof Date && r.started_at.getTime() >= before - 5_000, `${where}: started_at ${r.started_at}`);
      assert.ok(r.finished_at instanceof Date && r.finished_at.getTime() >= r.started_at.getTime(), `${where}: finished_at ${r.finished_at}`);
      assert.equal(r.applied_steps_count, 1, `${where}: applied_steps_count`);
      assert.equal(r.rolled_back_at, null, `${where}: rolled_back_at`);
      assert.equal(r.logs, null, `${where}: logs`);
    }
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are distinct');

    // The bookkeeping table is the one Prisma's schema engine creates for MySQL.
    const columns = await query(
      url,
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS \`key\`
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations' ORDER BY ORDINAL_POSITION`,
      [name],
    );
    assert.deepEqual(
      columns.map((c) => [c.name, String(c.type).replace(/^(int|bigint)\(\d+\)/, '$1'), c.nullable, c.key]),
      [
        ['id', 'varchar(36)', 'NO', 'PRI'],
        ['checksum', 'varchar(64)', 'NO', ''],
        ['finished_at', 'datetime(3)', 'YES', ''],
        ['migration_name', 'varchar(255)', 'NO', ''],
        ['logs', 'text', 'YES', ''],
        ['rolled_back_at', 'datetime(3)', 'YES', ''],
        ['started_at', 'datetime(3)', 'NO', ''],
        ['applied_steps_count', 'int unsigned', 'NO', ''],
      ],
    );

    assert.deepEqual(
      (await epochRows(url)).map((r) => ({ ...r })),
      [{ id: 1, epoch: result.epoch }],
    );
  });

  it('applies nothing the second time and keeps the epoch', async () => {
    const { url } = newDatabase('mig_twice');
    const first = await migrate(url);
    const rowsBefore = await migrationRows(url);

    const second = await migrate(url);
    assert.equal(second.created, false);
    assert.deepEqual(second.applied, []);
    assert.deepEqual(second.alreadyApplied, REAL);
    assert.equal(second.epoch, first.epoch);
    assert.match(second.epoch, EPOCH);

    assert.deepEqual(await migrationRows(url), rowsBefore, 'the bookkeeping is untouched');
    assert.deepEqual(
      (await epochRows(url)).map((r) => ({ ...r })),
      [{ id: 1, epoch: first.epoch }],
    );
  });

  it('migrates a database that exists but is empty (made by a DBA) without calling it created', async () => {
    const { name, url } = newDatabase('mig_empty');
    await query(server, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const result = await migrate(url);
    assert.equal(result.created, false);
    assert.deepEqual(result.applied, REAL);
    assert.equal((await migrationRows(url)).length, REAL.length);
  });

  it('lets concurrent runs on a new database all succeed, applying each migration once', async () => {
    const { url } = newDatabase('mig_race');
    const results = await Promise.all([migrate(url), migrate(url), migrate(url), migrate(url)]);

    assert.deepEqual(results.flatMap((r) => r.applied).sort(), REAL, 'each migration applied by exactly one run');
    for (const r of results) {
      assert.deepEqual([...r.applied, ...r.alreadyApplied].sort(), REAL, 'every run ends with every migration in place');
    }
    assert.ok(results.some((r) => r.created), 'some run created the database');
    assert.equal(new Set(results.map((r) => r.epoch)).size, 1, 'every run reports the same epoch');

    const rows = await migrationRows(url);
    assert.deepEqual(rows.map((r) => r.migration_name), REAL, 'one row per migration');
    assert.ok(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1));
    assert.deepEqual(
      (await epochRows(url)).map((r) => ({ ...r })),
      [{ id: 1, epoch: results[0]!.epoch }],
    );
  });

  it('gives different databases different epochs', async () => {
    const a = await migrate(newDatabase('mig_epoch_a').url);
    const b = await migrate(newDatabase('mig_epoch_b').url);
    assert.match(a.epoch, EPOCH);
    assert.match(b.epoch, EPOCH);
    assert.notEqual(a.epoch, b.epoch);
  });

  describe('a migration that fails', () => {
    const BROKEN = '99991231000000_broken';
    // The first statement succeeds and stays (MySQL DDL is not transactional),
    // the second fails: the database is left half-migrated.
    const BROKEN_SQL = 'CREATE TABLE `half_done` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\nALTER TABLE `no_such_table` ADD COLUMN `x` INTEGER NULL;\n';
    const FIXED_SQL = 'CREATE TABLE `half_done` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\n';

    it('is recorded as failed, and later runs refuse until it is resolved', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tidings-migrations-'));
      after(() => rm(dir, { recursive: true, force: true }));
      for (const name of REAL) await cp(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
      await mkdir(path.join(dir, BROKEN));
      await writeFile(path.join(dir, BROKEN, 'migration.sql'), BROKEN_SQL);
      assert.deepEqual(migrationNames(dir), [...REAL, BROKEN]);

      const { url } = newDatabase('mig_fail');
      await assert.rejects(migrate(url, dir), (err: unknown) => {
        assert.ok(err instanceof MigrationError, `a MigrationError, got ${String(err)}`);
        assert.match(err.message, new RegExp(`migration ${BROKEN} failed`));
        assert.match(err.message, /no_such_table/);
        return true;
      });

      let rows = await migrationRows(url);
      assert.deepEqual(rows.map((r) => r.migration_name), [...REAL, BROKEN]);
      for (const r of rows.slice(0, REAL.length)) assert.ok(r.finished_at instanceof Date, `${r.migration_name} finished`);
      const failed = rows.at(-1)!;
      assert.equal(failed.finished_at, null);
      assert.equal(failed.rolled_back_at, null);
      assert.equal(failed.applied_steps_count, 0);
      assert.equal(failed.checksum, checksumOf(dir, BROKEN));
      assert.ok(failed.started_at instanceof Date);
      assert.match(String(failed.logs), /no_such_table/, 'logs hold the error');
      assert.equal((await query(url, "SHOW TABLES LIKE 'half_done'")).length, 1, 'the statement before the failure stayed');

      // A later run, with the same migrations or with the real ones, refuses and names the migration.
      for (const runDir of [dir, MIGRATIONS_DIR]) {
        await assert.rejects(migrate(url, runDir), (err: unknown) => {
          assert.ok(err instanceof MigrationError, `a MigrationError, got ${String(err)}`);
          assert.match(err.message, new RegExp(`migration ${BROKEN} failed earlier`));
          assert.match(err.message, /rolled_back_at/, 'says how to resolve it');
          return true;
        });
      }
      assert.deepEqual(await migrationRows(url), rows, 'refusing wrote nothing');

      // Resolving it as the message says (what `prisma migrate resolve --rolled-back` does):
      // undo by hand, mark it rolled back, fix the script; the next run applies it anew.
      await query(url, 'DROP TABLE `half_done`');
      await query(url, 'UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = ?', [BROKEN]);
      await writeFile(path.join(dir, BROKEN, 'migration.sql'), FIXED_SQL);
      const result = await migrate(url, dir);
      assert.deepEqual(result.applied, [BROKEN]);
      assert.deepEqual(result.alreadyApplied, REAL);

      rows = (await migrationRows(url)).filter((r) => r.migration_name === BROKEN);
      assert.equal(rows.length, 2, 'the failed attempt stays, marked rolled back, beside the new one');
      const [rolledBack, applied] = [rows.find((r) => r.rolled_back_at !== null)!, rows.find((r) => r.rolled_back_at === null)!];
      assert.equal(rolledBack.finished_at, null);
      assert.ok(applied.finished_at instanceof Date);
      assert.equal(applied.applied_steps_count, 1);
      assert.equal(applied.checksum, checksumOf(dir, BROKEN));
      assert.notEqual(applied.checksum, rolledBack.checksum);
      assert.deepEqual((await migrate(url, dir)).applied, []);
    });
  });
});
