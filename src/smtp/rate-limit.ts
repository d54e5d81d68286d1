// Per-client-IP limits on connections and messages, and per-recipient limits
// on confirmations, counted in the database (the shared `rate_limits` table,
// rate-limiter-flexible's MySQL store) so that every instance behind the
// load balancer counts together (DESIGN.md "Scaling out").
import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Store } from '../store/index.ts';

const TABLE = 'rate_limits';

export interface SmtpLimits {
  connectionsPerMinute: number;
  messagesPerHour: number;
  confirmationsPerHour: number;
}

/** A limit: true when the key may go on; a limit of 0 always allows. */
export type Limit = (key: string) => Promise<boolean>;

function limiter(store: Store, keyPrefix: string, points: number, duration: number): Limit {
  if (points <= 0) return async () => true;
  const rl = new RateLimiterMySQL({
    // The callback pool under mysql2/promise's: the library speaks callbacks.
    storeClient: store.pool.pool,
    storeType: 'pool',
    dbName: store.database,
    tableName: TABLE,
    tableCreated: true,
    keyPrefix,
    points,
    duration,
  });
  return async (key) => {
    try {
      await rl.consume(key.toLowerCase().slice(0, 200));
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  };
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
