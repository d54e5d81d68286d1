// Sends the reminders that are due: for each event with an email alarm (or
// in a collection with a default reminder), each due occurrence and alarm
// goes to its recipients once. An alarm's ATTENDEEs choose among the
// members (RFC 5545 requires them for EMAIL alarms); one without any goes
// to the owner; the default reminder goes to every member. Members who
// turned the collection's mail off, and suspended addresses, get none.
import { canBeMailed, collectionMembers, type Member } from '../domain/alerts/fanout-batch.ts';
import { claimReminder, dueReminders, purgeReminderDeliveries, reminderCandidates, type DueReminder, type ReminderItem } from '../domain/alerts/reminders.ts';
import { enqueueMessages, type OutgoingMessage } from '../mail/outbox/enqueue.ts';
import type { Store } from '../store/index.ts';
import { withSqlTransaction } from '../store/sql.ts';
import type { AlertMailSettings } from './mail-headers.ts';
import { reminderMessage } from './reminder-message.ts';
import type { MailTemplates } from './templates.ts';

export interface ReminderDeps {
  store: Store;
  templates: MailTemplates;
  settings: AlertMailSettings;
  now: () => Date;
  /** The job's per-item budget (src/jobs/item-budget.ts): quarantined items are skipped, each expansion is measured. */
  budget?: {
    skip(item: ReminderItem): boolean;
    run<T>(item: ReminderItem, step: () => T): Promise<T | null>;
  };
}

function recipients(members: Member[], r: DueReminder): Member[] {
  const reachable = members.filter((m) => canBeMailed(m) && !(m.chosen && m.mode === 'off'));
  if (r.attendees === null) return reachable;
  if (r.attendees.length === 0) return reachable.filter((m) => m.role === 'owner');
  return reachable.filter((m) => r.attendees!.includes(m.email.toLowerCase()));
}

export async function runReminders(deps: ReminderDeps, signal?: AbortSignal): Promise<{ sent: number; failed: number; skipped: number }> {
  const now = deps.now();
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  for (const item of await reminderCandidates(deps.store.pool, now)) {
    if (signal?.aborted) break;
    if (deps.budget?.skip(item)) {
      skipped++;
      continue;
    }
    try {
      sent += await remindOf(deps, item, now);
    } catch {
      // One unreadable event or a deadlock must not hold up the others; the next run tries again.
      failed++;
    }
  }
  await purgeReminderDeliveries(deps.store.pool, new Date(now.getTime() - 30 * 86_400_000));
  return { sent, failed, skipped };
}

async function remindOf(deps: ReminderDeps, item: ReminderItem, now: Date): Promise<number> {
  // The expansion is the CPU-bound part; its failures are the item's data, not the database's.
  const due = deps.budget ? await deps.budget.run(item, () => dueReminders(item, now)) : dueReminders(item, now);
  if (due === null || due.length === 0) return 0;
  return withSqlTransaction(deps.store.pool, async (sql) => {
    const members = await collectionMembers(sql, item.collectionId);
    const messages: OutgoingMessage[] = [];
    for (const r of due) {
      for (const m of recipients(members, r)) {
        if (!(await claimReminder(sql, item, r, m.userId, now))) continue;
        messages.push(
          reminderMessage(deps.templates, deps.settings, { id: item.collectionId, name: item.collectionName, timeZone: item.collectionTimeZone }, m, {
            occurrence: r.occurrence,
            uid: item.uid,
            resourceName: item.resourceName,
            icalendar: item.icalendar,
          }),
        );
      }
    }
    await enqueueMessages(sql, deps.settings.mailDomain, messages, now);
    return messages.length;
  });
}
