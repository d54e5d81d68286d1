// Job: event reminders (VALARM ACTION:EMAIL and collection defaults). It
// walks the events that may have one due; the domain finds the due
// occurrences and queues each reminder once (domain/alerts/reminders.ts);
// the outgoing-mail wing words them. Each event's expansion runs under the
// job's per-item budget (item-budget.ts).
import { dueReminders, forgetOldReminders, reminderCandidates, sendReminders, type ReminderItem } from '../domain/alerts/reminders.ts';
import type { Store } from '../store/index.ts';
import { mailComposer } from '../mail/outgoing/compose/index.ts';
import type { AlertMailSettings } from '../mail/outgoing/headers.ts';
import type { MailTemplates } from '../mail/outgoing/templates.ts';
import type { JobContext } from './context.ts';
import { itemBudget } from './item-budget.ts';

export interface ReminderDeps {
  store: Store;
  templates: MailTemplates;
  settings: AlertMailSettings;
  now: () => Date;
  /** The job's per-item budget (item-budget.ts): quarantined items are skipped, each expansion is measured. */
  budget?: {
    skip(item: ReminderItem): boolean;
    run<T>(item: ReminderItem, step: () => T): Promise<T | null>;
  };
}

export async function runReminders(deps: ReminderDeps, signal?: AbortSignal): Promise<{ sent: number; failed: number; skipped: number }> {
  const now = deps.now();
  const options = { compose: mailComposer(deps.templates, deps.settings), mailDomain: deps.settings.mailDomain, now };
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  for (const item of await reminderCandidates(deps.store, now)) {
    if (signal?.aborted) break;
    if (deps.budget?.skip(item)) {
      skipped++;
      continue;
    }
    try {
      // The expansion is the CPU-bound part; its failures are the item's data, not the database's.
      const due = deps.budget ? await deps.budget.run(item, () => dueReminders(item, now)) : dueReminders(item, now);
      if (due !== null) sent += await sendReminders(deps.store, item, due, options);
    } catch {
      // One unreadable event or a deadlock must not hold up the others; the next run tries again.
      failed++;
    }
  }
  await forgetOldReminders(deps.store, now);
  return { sent, failed, skipped };
}

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  const budget = await itemBudget(ctx, 'reminders');
  const report = await runReminders({ store: ctx.store, templates: ctx.templates, settings: ctx.alertSettings, now: ctx.now, budget }, signal);
  return { ...report, quarantined: budget.quarantined };
}
