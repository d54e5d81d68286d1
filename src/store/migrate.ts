// Applies prisma/migrations/*/migration.sql in order and records each in
// `_prisma_migrations` exactly as `prisma migrate deploy` does, so that the
// Prisma CLI agrees wherever its native schema engine exists. We run our own
// because, offline, Prisma's engine cannot be downloaded and a stand-in binary
// makes `migrate deploy` exit 0 having done nothing (DESIGN.md).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

// The table Prisma creates for MySQL (schema-engine sql-migration-connector).
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

const LOCK_TIMEOUT_SECONDS = 120;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  database: string;
  created: boolean;
  applied: string[];
  alreadyApplied: string[];
  epoch: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
    migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

function connectionOptions(databaseUrl: string, withDatabase: boolean) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: withDatabase ? url.pathname.replace(/^\//, '') : undefined,
    multipleStatements: true,
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 5000,
  };
}

/**
 * Creates the database when missing, applies pending migrations under a
 * named lock (so two processes starting at once take turns), and makes the
 * store epoch if the database has none. Safe to run any number of times.
 */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const database = new URL(databaseUrl).pathname.replace(/^\//, '');
  const migrations = await loadMigrations(dir);

  const server = await mysql.createConnection(connectionOptions(databaseUrl, false));
  let created = false;
  try {
    const [rows] = await server.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    if (rows.length === 0) {
      await server.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      created = true;
    }
  } finally {
    await server.end();
  }

  const conn = await mysql.createConnection(connectionOptions(databaseUrl, true));
  const lockName = `tidings_migrate:${database}`.slice(0, 64);
  try {
    const [lock] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [lockName, LOCK_TIMEOUT_SECONDS]);
    if (lock[0]?.got !== 1) throw new MigrationError(`could not take the migration lock within ${LOCK_TIMEOUT_SECONDS}s (another migrate is running?)`);
    try {
      await conn.query(MIGRATIONS_TABLE);
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
      );
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed earlier and left the database half-migrated; ` +
            'fix the database by hand, then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = ...)',
        );
      }
      const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name as string, r.checksum as string]));
      const applied: string[] = [];
      const alreadyApplied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) {
          alreadyApplied.push(m.name);
          continue;
        }
        await applyOne(conn, m);
        applied.push(m.name);
      }
      const epoch = await ensureEpoch(conn);
      return { database, created, applied, alreadyApplied, epoch };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await conn.end();
  }
}

async function applyOne(conn: mysql.Connection, m: Migration): Promise<void> {
  const id = randomUUID();
  await conn.query('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)', [
    id,
    m.checksum,
    m.name,
  ]);
  try {
    await conn.query(m.sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [message, id]);
    throw new MigrationError(`migration ${m.name} failed: ${message}`);
  }
  await conn.query('UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?', [id]);
}

/** The store epoch: 128 random bits, made once per database (and anew by a restore). */
async function ensureEpoch(conn: mysql.Connection): Promise<string> {
  await conn.query('INSERT IGNORE INTO store_epoch (id, epoch) VALUES (1, ?)', [randomBytes(16).toString('hex')]);
  const [rows] = await conn.query<RowDataPacket[]>('SELECT epoch FROM store_epoch WHERE id = 1');
  return rows[0]!.epoch as string;
}
