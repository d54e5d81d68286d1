// Rate-limit counters in the database (rate-limiter-flexible's MySQL store on
// the mysql2 pool), so every instance behind a load balancer counts together
// (DESIGN.md "Scaling out"). The one limiter factory: failed logins, the
// CalDAV throttle and the SMTP robot's limits all count here. The table is
// ours (prisma schema `RateLimit`), created by the migrations, never by the
// library.
import { createHash } from 'node:crypto';
import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Store } from './index.ts';

export const RATE_LIMIT_TABLE = 'rate_limits';

export function mysqlLimiter(store: Store, keyPrefix: string, points: number, durationSeconds: number): RateLimiterMySQL {
  return new RateLimiterMySQL({
    // The callback pool under mysql2/promise's: the library speaks callbacks.
    storeClient: store.pool.pool,
    storeType: 'pool',
    dbName: store.database,
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    keyPrefix,
    points,
    duration: durationSeconds,
  });
}

/** Keys must fit the 255-character column: long or personal values are hashed. */
export function limiterKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

/** Seconds until the limiter lets the caller in again, for Retry-After (at least 1). */
export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** A rejection from consume(): over the limit (a RateLimiterRes), not a store failure (an Error). */
export function isOverLimit(err: unknown): err is RateLimiterRes {
  return err instanceof RateLimiterRes;
}

/** Spends one point of `key`'s budget: null to go ahead, or the seconds to wait. */
export type Budget = (key: string) => Promise<number | null>;

/** `points` per `durationSeconds` for each key; a budget of 0 points never runs out. */
export function createBudget(store: Store, keyPrefix: string, points: number, durationSeconds: number): Budget {
  if (points <= 0) return async () => null;
  const limiter = mysqlLimiter(store, keyPrefix, points, durationSeconds);
  return async (key) => {
    try {
      await limiter.consume(key);
      return null;
    } catch (err) {
      if (isOverLimit(err)) return retryAfterSeconds(err);
      throw err;
    }
  };
}
