// Job: event reminders (VALARM ACTION:EMAIL and collection defaults).
import { runReminders } from '../alerts/reminder-run.ts';
import type { JobContext } from './context.ts';
import { itemBudget } from './item-budget.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  const budget = await itemBudget(ctx, 'reminders');
  const report = await runReminders({ store: ctx.store, templates: ctx.templates, settings: ctx.alertSettings, now: ctx.now, budget }, signal);
  return { ...report, quarantined: budget.quarantined };
}
