// Job: coalesced immediate alerts and webhook deliveries from the change
// log. It walks the collections with pending changes; the domain decides
// and writes each one's batch in its own transaction (domain/alerts/fanout.ts),
// and the outgoing-mail wing words the messages (mail/outgoing/compose/).
import { alertCollection, collectionsToAlert, type FanoutOutcome } from '../domain/alerts/fanout.ts';
import type { Store } from '../store/index.ts';
import { mailComposer } from '../mail/outgoing/compose/index.ts';
import type { AlertMailSettings } from '../mail/outgoing/headers.ts';
import type { MailTemplates } from '../mail/outgoing/templates.ts';
import type { JobContext } from './context.ts';

export interface FanoutDeps {
  store: Store;
  templates: MailTemplates;
  settings: AlertMailSettings;
  coalesceMs: number;
  recipientBudgetPerHour: number;
  collectionBudgetPerHour: number;
  now: () => Date;
}

export interface FanoutReport {
  collections: number;
  waiting: number;
  alerts: number;
  webhooks: number;
  overRecipientBudget: number;
  frozen: bigint[];
  /** Collections whose batch failed (rolled back; retried next run), with why. */
  failed: Array<{ collectionId: bigint; error: string }>;
}

export async function runAlertFanout(deps: FanoutDeps, signal?: AbortSignal): Promise<FanoutReport> {
  const report: FanoutReport = { collections: 0, waiting: 0, alerts: 0, webhooks: 0, overRecipientBudget: 0, frozen: [], failed: [] };
  const options = { ...deps, compose: mailComposer(deps.templates, deps.settings), mailDomain: deps.settings.mailDomain };
  for (const pending of await collectionsToAlert(deps.store)) {
    if (signal?.aborted) break;
    let done: FanoutOutcome;
    try {
      done = await alertCollection(deps.store, pending, options);
    } catch (err) {
      // One collection's trouble (a deadlock, a bad item) must not hold up the others.
      report.failed.push({ collectionId: pending.collectionId, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (done === 'waiting') report.waiting++;
    if (typeof done !== 'object') continue;
    report.collections++;
    report.alerts += done.alerts;
    report.webhooks += done.webhooks;
    report.overRecipientBudget += done.overBudget;
    if (done.froze) report.frozen.push(pending.collectionId);
  }
  return report;
}

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
