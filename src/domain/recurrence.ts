// The one way Tidings walks a recurrence (RRULE, RDATE and EXDATE, RFC 5545
// 3.8.5): ical.js's RecurExpansion under a budget of iterator steps.
//
// ical.js looks for the next instance in a loop with no bound: for a rule
// that can never match (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) one call to
// next() never returns, and for YEARLY it may scan 18,000 years before giving
// up. Capping the instances a caller takes bounds nothing. So every candidate
// date ical.js tests costs a step (its check of the rule's limiting parts,
// its day-by-day BYDAY scan, a whole year's expansion for YEARLY), and a walk
// that spends MAX_RECURRENCE_STEPS stops and says so. Writes refuse rules
// that yield nothing within the budget (calendar-limits.ts); reads of data
// stored before the limits stop at the budget instead of stalling.
//
// The meter sits on ical.js's RecurIterator prototype, so even an iterator
// made outside this module (ical.js's own Event.iterator) is bounded: outside
// a walk, each iterator gets a budget of its own.
import ICAL from 'ical.js';
import { MAX_RECURRENCE_STEPS } from '../consts.ts';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** Thrown inside ical.js's loops when the budget is spent; never leaves this module. */
class StepBudgetSpent extends Error {}

interface Budget {
  left: number;
}

/** The budget of the walk running now (walks are synchronous, so there is at most one). */
let running: Budget | null = null;
const ownBudgets = new WeakMap<object, Budget>();

function spend(iterator: object, cost: number): void {
  let budget = running;
  if (budget === null) {
    budget = ownBudgets.get(iterator) ?? { left: MAX_RECURRENCE_STEPS };
    ownBudgets.set(iterator, budget);
  }
  budget.left -= cost;
  if (budget.left < 0) throw new StepBudgetSpent('recurrence step budget spent');
}

// What one call costs, in steps: a candidate date tested against the rule;
// one day of a BYDAY scan within a month or week; one year expanded into its
// days (about as costly as 30 candidates, measured).
const METERED: Record<string, number> = { check_contracting_rules: 1, is_day_in_byday: 1, expand_year_days: 30 };

const prototype = ICAL.RecurIterator.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const [name, cost] of Object.entries(METERED)) {
  const original = prototype[name];
  // An ical.js upgrade that renamed these would silently unbound every walk: refuse to start instead.
  if (typeof original !== 'function') throw new Error(`ical.js RecurIterator has no ${name}(): the recurrence budget cannot be applied`);
  if ((original as { metered?: boolean }).metered) continue;
  const metered = function (this: object, ...args: unknown[]): unknown {
    spend(this, cost);
    return original.apply(this, args);
  };
  prototype[name] = Object.assign(metered, { metered: true });
}

/** Why a walk ended: every instance given, the step budget spent, or ical.js could not walk the data. */
export type WalkEnd = 'complete' | 'budget' | 'unreadable';

/**
 * The occurrence starts of one component (its DTSTART first, as RFC 5545
 * 3.8.5.3 counts it), in order, as ical.js Times in the component's own
 * zones. next() gives null at the end, whatever ended it; `ended` says what.
 */
export class RecurrenceWalk {
  private readonly budget: Budget = { left: MAX_RECURRENCE_STEPS };
  private readonly expansion: InstanceType<typeof ICAL.RecurExpansion> | null;
  ended: WalkEnd | null = null;
  /** ical.js's message when `ended` is 'unreadable'. */
  problem = '';
  /** Occurrences given so far. */
  given = 0;

  constructor(component: Component, dtstart: Time) {
    this.expansion = this.metered(() => new ICAL.RecurExpansion({ component, dtstart }));
  }

  next(): Time | null {
    if (this.ended !== null || this.expansion === null) return null;
    const expansion = this.expansion;
    const time = this.metered(() => expansion.next());
    if (time) {
      this.given++;
      return time;
    }
    this.ended ??= 'complete';
    return null;
  }

  private metered<T>(work: () => T): T | null {
    const outer = running;
    running = this.budget;
    try {
      return work();
    } catch (err) {
      // Any failure inside ical.js's walk is the data's (an impossible rule, a value it cannot read), never ours to retry.
      this.ended = err instanceof StepBudgetSpent ? 'budget' : 'unreadable';
      this.problem = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      running = outer;
    }
  }
}
