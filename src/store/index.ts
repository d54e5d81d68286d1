// The store: one Prisma client for the domain, one mysql2 pool for the hot
// paths, opened and closed together.
import { createPool, type Pool } from './mysql.ts';
import { createPrisma, type Db } from './prisma.ts';

export interface Store {
  db: Db;
  pool: Pool;
  /** The database name (rate-limiter-flexible addresses its table as database.table). */
  database: string;
  close(): Promise<void>;
}

export function openStore(databaseUrl: string, options: { connectionLimit?: number } = {}): Store {
  const db = createPrisma(databaseUrl, options.connectionLimit);
  const pool = createPool(databaseUrl, { connectionLimit: options.connectionLimit });
  return {
    db,
    pool,
    database: new URL(databaseUrl).pathname.replace(/^\//, ''),
    async close() {
      await Promise.allSettled([db.$disconnect(), pool.end()]);
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
