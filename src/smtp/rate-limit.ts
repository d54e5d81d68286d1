// Per-client-IP limits on connections and messages, and per-recipient limits
// on confirmations, counted in the database by the one limiter factory
// (store/rate-limits.ts) so that every instance behind the load balancer
// counts together (DESIGN.md "Scaling out").
import { createBudget } from '../store/rate-limits.ts';
import type { Store } from '../store/index.ts';

export interface SmtpLimits {
  connectionsPerMinute: number;
  messagesPerHour: number;
  confirmationsPerHour: number;
}

/** A limit: true when the key may go on; a limit of 0 always allows. */
export type Limit = (key: string) => Promise<boolean>;

function limiter(store: Store, keyPrefix: string, points: number, duration: number): Limit {
  const budget = createBudget(store, keyPrefix, points, duration);
  return async (key) => (await budget(key.toLowerCase().slice(0, 200))) === null;
}

export interface RateLimits {
  connection: Limit;
  message: Limit;
  confirmation: Limit;
}

export function createRateLimits(store: Store, limits: SmtpLimits): RateLimits {
  return {
    connection: limiter(store, 'smtp-conn', limits.connectionsPerMinute, 60),
    message: limiter(store, 'smtp-msg', limits.messagesPerHour, 3600),
    confirmation: limiter(store, 'smtp-confirm', limits.confirmationsPerHour, 3600),
  };
}
