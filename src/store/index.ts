// The store: one Prisma client for the domain, one mysql2 pool for the hot
// paths, and one mysql2 pool that takes several statements in one query
// (the robot's delivery transaction goes to the server as one packet),
// opened and closed together.
import { createPool, type Pool } from './mysql.ts';
import { createPrisma, type Db } from './prisma.ts';

export interface Store {
  db: Db;
  pool: Pool;
  /**
   * multipleStatements on: a write batch is one round trip. Only for SQL
   * whose values all go through placeholders (mysql2 escapes them); mysql2
   * opens its connections on first use, so a process that never batches
   * never connects it.
   */
  batchPool: Pool;
  /** The database name (rate-limiter-flexible addresses its table as database.table). */
  database: string;
  close(): Promise<void>;
}

export function openStore(databaseUrl: string, options: { connectionLimit?: number } = {}): Store {
  const db = createPrisma(databaseUrl, options.connectionLimit);
  const pool = createPool(databaseUrl, { connectionLimit: options.connectionLimit });
  const batchPool = createPool(databaseUrl, { connectionLimit: options.connectionLimit, multipleStatements: true });
  return {
    db,
    pool,
    batchPool,
    database: new URL(databaseUrl).pathname.replace(/^\//, ''),
    async close() {
      await Promise.allSettled([db.$disconnect(), pool.end(), batchPool.end()]);
    },
  };
}

/** True when the database answers a trivial query (for /readyz). */
export async function ping(store: Store): Promise<boolean> {
  try {
    await store.pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

export type { Db, Pool };
