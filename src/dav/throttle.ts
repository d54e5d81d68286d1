// Per-user request budget for CalDAV (DAV_RATE_LIMIT per minute), counted in
// the database so it holds across instances: a misbehaving client gets 429
// with Retry-After and cannot starve everyone else.
import type { Store } from '../store/index.ts';
import { isOverLimit, mysqlLimiter, retryAfterSeconds } from '../http/middleware/rate-limits.ts';

export type Throttle = (userId: bigint) => Promise<number | null>;

/** A throttle answering null (go ahead) or the seconds to wait; no-op when perMinute is 0. */
export function createThrottle(store: Store, perMinute: number): Throttle {
  if (perMinute === 0) return async () => null;
  const limiter = mysqlLimiter(store, 'dav', perMinute, 60);
  return async (userId) => {
    try {
      await limiter.consume(String(userId));
      return null;
    } catch (err) {
      if (isOverLimit(err)) return retryAfterSeconds(err);
      throw err;
    }
  };
}
