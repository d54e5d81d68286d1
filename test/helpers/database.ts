// Each test file gets its own freshly migrated database on the real MariaDB,
// dropped when the file's tests end.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import mysql from 'mysql2/promise';
import { openStore, type Store } from '../../src/store/index.ts';
import { migrate } from '../../src/store/migrate.ts';

/** Server to create test databases on; override with TEST_DATABASE_SERVER. */
export const TEST_SERVER = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  name: string;
  url: string;
  store: Store;
}

export function testDatabaseUrl(prefix = 't'): { name: string; url: string } {
  const name = `tidings_${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return { name, url: `${TEST_SERVER.replace(/\/+$/, '')}/${name}` };
}

export async function dropDatabase(name: string): Promise<void> {
  const conn = await mysql.createConnection(TEST_SERVER.replace(/\/+$/, '') + '/');
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

/**
 * A migrated database with an open store; registers its own cleanup. Call it
 * at the top level of a test file (`const db = await freshDatabase()`): an
 * after() registered inside a before() hook would run when the hook ends.
 */
export async function freshDatabase(prefix = 't'): Promise<TestDatabase> {
  const { name, url } = testDatabaseUrl(prefix);
  await migrate(url);
  const store = openStore(url, { connectionLimit: 5 });
  after(async () => {
    await store.close();
    await dropDatabase(name);
  });
  return { name, url, store };
}
