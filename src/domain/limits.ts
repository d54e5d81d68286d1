// The budgets every adapter spends, in one home: CalDAV requests per user,
// SMTP connections and messages per client address, confirmations per
// recipient. Each is counted in the database by the one limiter factory
// (store/rate-limits.ts), so every instance behind a load balancer counts
// together (DESIGN.md "Scaling out"). The failed-login limits live with the
// login rule (auth/login.ts), on the same factory.
import { createBudget } from '../store/rate-limits.ts';
import type { Store } from '../store/index.ts';

/** Answers null (go ahead) or the seconds to wait. */
export type Throttle = (userId: bigint) => Promise<number | null>;

/** CalDAV requests per user per minute (DAV_RATE_LIMIT); no-op when perMinute is 0. */
export function createThrottle(store: Store, perMinute: number): Throttle {
  const budget = createBudget(store, 'dav', perMinute, 60);
  return (userId) => budget(String(userId));
}

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

/** The SMTP robot's limits: per client address (connections, messages) and per recipient (confirmations). */
export function createRateLimits(store: Store, limits: SmtpLimits): RateLimits {
  return {
    connection: limiter(store, 'smtp-conn', limits.connectionsPerMinute, 60),
    message: limiter(store, 'smtp-msg', limits.messagesPerHour, 3600),
    confirmation: limiter(store, 'smtp-confirm', limits.confirmationsPerHour, 3600),
  };
}
