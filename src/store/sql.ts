// Plain SQL inside one transaction, for the hot paths whose row counts make
// Prisma's per-statement cost show (alert fan-out, outbox and webhook
// claiming), and a runner that lets a statement join whichever transaction
// the caller opened: a mysql2 connection or a Prisma interactive transaction.
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Pool } from './mysql.ts';
import type { Prisma } from './prisma.ts';

export type SqlParam = string | number | bigint | boolean | Date | null | Buffer;

export interface SqlRunner {
  /** Rows of a SELECT; BigInt and DECIMAL columns arrive as strings. */
  rows<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]>;
  /** Affected row count of an INSERT, UPDATE or DELETE. */
  run(sql: string, params?: SqlParam[]): Promise<number>;
}

// mysql2's client-side escaping does not take BigInt on every version; its
// text form is exact.
function plain(params: SqlParam[]): unknown[] {
  return params.map((p) => (typeof p === 'bigint' ? p.toString() : p));
}

export function mysqlRunner(conn: PoolConnection | Pool): SqlRunner {
  return {
    async rows<T>(sql: string, params: SqlParam[] = []) {
      const [rows] = await conn.query<RowDataPacket[]>(sql, plain(params));
      return rows as T[];
    },
    async run(sql: string, params: SqlParam[] = []) {
      const [result] = await conn.query(sql, plain(params));
      return (result as { affectedRows?: number }).affectedRows ?? 0;
    },
  };
}

export function prismaRunner(tx: Prisma.TransactionClient): SqlRunner {
  return {
    async rows<T>(sql: string, params: SqlParam[] = []) {
      const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
      // Prisma returns BIGINT columns as bigint; match mysql2's strings so callers see one shape.
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]))) as T[];
    },
    async run(sql: string, params: SqlParam[] = []) {
      return tx.$executeRawUnsafe(sql, ...params);
    },
  };
}

/** Runs `fn` in a transaction on one pooled connection; commits on success, rolls back on any error. */
export async function withSqlTransaction<T>(pool: Pool, fn: (sql: SqlRunner, conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    try {
      const result = await fn(mysqlRunner(conn), conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    }
  } finally {
    conn.release();
  }
}

/** "?, ?, ?" for an IN list or a VALUES row. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
