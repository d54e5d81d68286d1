// Job: daily digests at each member's local digest time.
import { runDailyDigests } from '../alerts/digest-run.ts';
import type { JobContext } from './context.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  return runDailyDigests({ store: ctx.store, templates: ctx.templates, settings: ctx.alertSettings, now: ctx.now }, signal);
}
