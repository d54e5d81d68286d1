// Per-user request budget for CalDAV (DAV_RATE_LIMIT per minute), counted in
// the database so it holds across instances: a misbehaving client gets 429
// with Retry-After and cannot starve everyone else.
import { createBudget } from '../store/rate-limits.ts';
import type { Store } from '../store/index.ts';

export type Throttle = (userId: bigint) => Promise<number | null>;

/** A throttle answering null (go ahead) or the seconds to wait; no-op when perMinute is 0. */
export function createThrottle(store: Store, perMinute: number): Throttle {
  const budget = createBudget(store, 'dav', perMinute, 60);
  return (userId) => budget(String(userId));
}
