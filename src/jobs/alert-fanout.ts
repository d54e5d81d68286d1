// Job: coalesced immediate alerts and webhook deliveries from the change log.
import { runAlertFanout } from '../alerts/fanout.ts';
import type { JobContext } from './context.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  const report = await runAlertFanout(
    {
      store: ctx.store,
      templates: ctx.templates,
      settings: ctx.alertSettings,
      coalesceMs: ctx.config.alertCoalesceSeconds * 1000,
      recipientBudgetPerHour: ctx.config.mail.recipientBudgetPerHour,
      collectionBudgetPerHour: ctx.config.mail.collectionBudgetPerHour,
      now: ctx.now,
    },
    signal,
  );
  for (const id of report.frozen) ctx.log.warn({ collectionId: String(id) }, 'alerts frozen for a collection: change budget exceeded');
  for (const f of report.failed) ctx.log.error({ collectionId: String(f.collectionId), error: f.error }, 'alert batch failed; it is retried on the next run');
  return { ...report, frozen: report.frozen.map(String), failed: report.failed.length };
}
