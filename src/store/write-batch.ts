// A write transaction sent as one multi-statement batch on the batch pool
// (one round trip for the whole transaction), then COMMIT, or ROLLBACK when
// a statement's row count shows a rule was broken. Nothing is committed until
// every check passed. Driver errors leave as the typed errors of errors.ts.
import type { ResultSetHeader } from 'mysql2/promise';
import { translateDriverError } from './errors.ts';
import type { Pool } from './mysql.ts';

/**
 * One statement of a batch. Every value goes through a placeholder (the
 * batch pool takes several statements per query, so nothing may be spliced
 * in). `check` judges the statement's result after the whole batch ran:
 * an error refuses the transaction.
 */
export interface Statement {
  sql: string;
  params: unknown[];
  check?: (result: ResultSetHeader) => Error | null;
}

/**
 * Runs `statements` as one transaction: START TRANSACTION, the statements,
 * then COMMIT if no check refused. When several checks refuse, the first one
 * `prefer` accepts is thrown (a stale read, say, explains a quota refusal
 * computed from it), else the first. Returns each statement's result.
 */
export async function runWriteBatch(pool: Pool, statements: Statement[], prefer: (err: Error) => boolean = () => false): Promise<unknown[]> {
  const all: Statement[] = [{ sql: 'START TRANSACTION', params: [] }, ...statements];
  const conn = await pool.getConnection();
  try {
    try {
      const [r] = await conn.query(all.map((s) => s.sql).join(';\n'), all.flatMap((s) => s.params));
      const results = (r as unknown as unknown[]).slice(1);
      const refusals = statements.flatMap((s, i) => {
        const broken = s.check?.(results[i] as ResultSetHeader);
        return broken ? [broken] : [];
      });
      if (refusals.length > 0) throw refusals.find(prefer) ?? refusals[0]!;
      await conn.query('COMMIT');
      return results;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => conn.destroy());
      throw translateDriverError(err);
    }
  } finally {
    conn.release();
  }
}
