// The event-loop watchdog. Everything in Tidings shares one event loop: a
// handler or job that computes for seconds (a pathological recurrence rule,
// an XML bomb) stalls every other request, and a load balancer keeps sending
// traffic to the stalled instance. The watchdog measures the loop's delay
// (node:perf_hooks monitorEventLoopDelay, plus the lateness of its own
// timer, which shows a block the moment it ends), logs what was in flight
// when the delay passes EVENT_LOOP_DELAY_LIMIT_MS, and reports unhealthy so
// /readyz answers 503 until a whole check interval passes under the limit.
// /healthz (liveness) does not consult it: a slow instance needs less
// traffic, not a restart.
//
// One instance per process, made by the composition root and handed to the
// HTTP app and the job runner; adapters only call track().
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from './log.ts';

export interface LoopHealth {
  healthy: boolean;
  /** The largest delay seen in the last check interval (or the block that just ended), ms. */
  delayMs: number;
  limitMs: number;
  /** When the delay first passed the limit; null while healthy. */
  since: Date | null;
}

/** Marks one piece of work finished. */
export type Done = () => void;

export interface WatchdogOptions {
  /** Delay over which the instance reports unready; 0 turns the watchdog off. */
  limitMs: number;
  log: Logger;
  /** How often the delay is read; defaults to the limit, at least 100 ms and at most 1 s. */
  checkEveryMs?: number;
}

export class EventLoopWatchdog {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastCheck = 0;
  private lastDelayMs = 0;
  private overSince: Date | null = null;
  private nextId = 0;
  private readonly inFlight = new Map<number, { what: string; startedAt: number }>();
  private readonly every: number;

  constructor(private readonly o: WatchdogOptions) {
    this.every = o.checkEveryMs ?? Math.min(1000, Math.max(100, o.limitMs));
  }

  start(): this {
    if (this.o.limitMs <= 0 || this.timer) return this;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.lastCheck = performance.now();
    // unref: the watchdog never keeps a stopping process alive.
    this.timer = setInterval(() => this.check(), this.every).unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.timer = null;
    this.histogram = null;
  }

  /** Records work in flight ("PUT /dav", "job reminders"), named in the warning if the loop stalls meanwhile. */
  track(what: string): Done {
    const id = this.nextId++;
    this.inFlight.set(id, { what, startedAt: performance.now() });
    return () => {
      this.inFlight.delete(id);
    };
  }

  /** What is in flight now, oldest first, with how long each has run. */
  running(): Array<{ what: string; ms: number }> {
    const now = performance.now();
    return [...this.inFlight.values()].map((w) => ({ what: w.what, ms: Math.round(now - w.startedAt) }));
  }

  health(): LoopHealth {
    const limitMs = this.o.limitMs;
    if (!this.timer) return { healthy: true, delayMs: 0, limitMs, since: null };
    // A block that has just ended shows here before the next check runs: the
    // histogram has recorded it, or the check itself is overdue by it.
    const current = Math.round(Math.max(performance.now() - this.lastCheck - this.every, this.histogram!.max / 1e6));
    if (current > limitMs) return { healthy: false, delayMs: current, limitMs, since: this.overSince ?? new Date() };
    return { healthy: this.overSince === null, delayMs: Math.max(current, this.lastDelayMs), limitMs, since: this.overSince };
  }

  private check(): void {
    const now = performance.now();
    const late = now - this.lastCheck - this.every;
    this.lastCheck = now;
    const delayMs = Math.round(Math.max(late, this.histogram!.max / 1e6));
    this.histogram!.reset();
    this.lastDelayMs = delayMs;
    if (delayMs > this.o.limitMs) {
      const first = this.overSince === null;
      this.overSince ??= new Date();
      this.o.log.warn(
        { delayMs, limitMs: this.o.limitMs, since: this.overSince, running: this.running() },
        first ? 'event loop delayed past its limit: /readyz answers 503 until it recovers' : 'event loop still delayed past its limit',
      );
    } else if (this.overSince) {
      this.o.log.info({ delayMs, limitMs: this.o.limitMs, unreadyMs: Date.now() - this.overSince.getTime() }, 'event loop recovered: /readyz answers 200 again');
      this.overSince = null;
    }
  }
}

/** A request's name for the watchdog's log: the method and the first path segments, never ids or tokens (feed and unsubscribe URLs are secrets). */
export function routeName(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const keep = segments[0] === 'api' ? 3 : 1;
  return `${method} /${segments.slice(0, keep).join('/')}`;
}
