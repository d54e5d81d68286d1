// Job: event reminders (VALARM ACTION:EMAIL and collection defaults).
import { runReminders } from '../alerts/reminder-run.ts';
import type { JobContext } from './context.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  return runReminders({ store: ctx.store, templates: ctx.templates, settings: ctx.alertSettings, now: ctx.now }, signal);
}
