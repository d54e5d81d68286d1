// A job's budget per stored item. A job that walks stored data (reminders
// expand every event's recurrences) runs the CPU-bound step of each item
// through run(): an item whose step throws (its data breaks a limit, or
// cannot be read) or takes longer than JOB_ITEM_BUDGET_MS is logged and
// quarantined (src/domain/job-quarantine.ts), and later runs skip it, so
// one bad item left from before the calendar limits cannot slow every run
// or, with the watchdog, take the instance out of its load balancer.
// Time cannot interrupt synchronous work: the budget catches an item after
// its first slow run; the domain's iteration bounds keep that run finite.
import { loadQuarantine, quarantineItem, type StoredItemRef } from '../domain/job-quarantine.ts';
import type { JobContext } from './context.ts';

export interface ItemBudget {
  /** True for an item quarantined earlier (unchanged since): skip it. */
  skip(item: StoredItemRef): boolean;
  /** The step's result, or null when it threw; either way an item over budget is quarantined for later runs. */
  run<T>(item: StoredItemRef, step: () => T): Promise<T | null>;
  /** Items quarantined by this run. */
  readonly quarantined: number;
}

export async function itemBudget(ctx: Pick<JobContext, 'store' | 'log' | 'config'>, job: string): Promise<ItemBudget> {
  const known = await loadQuarantine(ctx.store.pool, job);
  const budgetMs = ctx.config.jobItemBudgetMs;
  let quarantined = 0;
  const setAside = async (item: StoredItemRef, reason: string, elapsedMs: number) => {
    quarantined++;
    ctx.log.warn({ job, collectionId: String(item.collectionId), uid: item.uid, elapsedMs: Math.round(elapsedMs), budgetMs, reason }, 'stored item quarantined: later runs skip it until it changes');
    await quarantineItem(ctx.store.pool, job, item, reason, elapsedMs);
  };
  return {
    skip: (item) => known.has(item),
    async run(item, step) {
      const started = performance.now();
      let result;
      try {
        result = step();
      } catch (err) {
        await setAside(item, `failed: ${err instanceof Error ? err.message : String(err)}`, performance.now() - started);
        return null;
      }
      const elapsedMs = performance.now() - started;
      // Done once: its result stands (a due reminder still goes out); later runs skip the item.
      if (elapsedMs >= budgetMs) await setAside(item, `took ${Math.round(elapsedMs)} ms, over the ${budgetMs} ms budget`, elapsedMs);
      return result;
    },
    get quarantined() {
      return quarantined;
    },
  };
}
