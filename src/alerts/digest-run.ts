// Daily digests: for each member who chose them, once the digest time has
// passed in their time zone, yesterday's changes to the collection (without
// their own) and today's agenda, at most once per local day. A day with no
// changes is recorded as handled and sends nothing.
import { changesFor } from '../domain/alerts/change-summary.ts';
import { digestWindow } from '../domain/alerts/digest-schedule.ts';
import { changesBetween, claimDigestDay, digestSubscribers, eventsAround, handledDigests, purgeDigestDays, type DigestSubscriber } from '../domain/alerts/digests.ts';
import { actorNames, loadItemDetails, loadSnapshots, type ItemSnapshot } from '../domain/alerts/item-details.ts';
import { occurrencesBetween } from '../domain/alerts/occurrences.ts';
import { enqueueMessages } from '../mail/outbox/enqueue.ts';
import type { Store } from '../store/index.ts';
import { withSqlTransaction } from '../store/sql.ts';
import { digestMessage, type AgendaEntry } from './digest-message.ts';
import type { AlertMailSettings } from './mail-headers.ts';
import type { MailTemplates } from './templates.ts';

export interface DigestDeps {
  store: Store;
  templates: MailTemplates;
  settings: AlertMailSettings;
  now: () => Date;
}

export async function runDailyDigests(deps: DigestDeps, signal?: AbortSignal): Promise<{ sent: number; empty: number; failed: number }> {
  const now = deps.now();
  const due = (await digestSubscribers(deps.store.pool))
    .map((sub) => ({ sub, window: digestWindow(now, sub.timeZone, sub.digestTime) }))
    .filter((d) => d.window.due);
  const handled = await handledDigests(deps.store.pool, [...new Set(due.map((d) => d.window.localDate))]);
  const report = { sent: 0, empty: 0, failed: 0 };
  for (const { sub, window } of due) {
    if (signal?.aborted) break;
    if (handled.has(`${sub.userId}:${sub.collectionId}:${window.localDate}`)) continue;
    let outcome: Awaited<ReturnType<typeof digestFor>>;
    try {
      outcome = await digestFor(deps, sub, window, now);
    } catch {
      // Rolled back: the day stays unclaimed and the next run tries again.
      report.failed++;
      continue;
    }
    if (outcome === 'sent') report.sent++;
    if (outcome === 'empty') report.empty++;
  }
  await purgeDigestDays(deps.store.pool, new Date(now.getTime() - 14 * 86_400_000));
  return report;
}

async function digestFor(deps: DigestDeps, sub: DigestSubscriber, window: ReturnType<typeof digestWindow>, now: Date): Promise<'sent' | 'empty' | 'taken'> {
  return withSqlTransaction(deps.store.pool, async (sql) => {
    const rows = await changesBetween(sql, sub.collectionId, window.yesterday.from, window.yesterday.to);
    const changes = changesFor(rows, sub.userId, sub.joinedAtPosition);
    if (!(await claimDigestDay(sql, sub.userId, sub.collectionId, window.localDate, changes.length > 0, now))) return 'taken';
    if (changes.length === 0) return 'empty';
    const uids = changes.map((c) => c.uid);
    const items = await loadItemDetails(sql, sub.collectionId, uids);
    // Snapshots give removed items their titles; for the rest, "now" is what the digest shows.
    const removed = changes.filter((c) => c.change === 'removed').map((c) => c.uid);
    const snapshots: Map<string, ItemSnapshot> = await loadSnapshots(sql, sub.collectionId, removed);
    const actors = await actorNames(sql, [...new Set(rows.flatMap((r) => (r.actorUserId === null ? [] : [r.actorUserId])))]);
    const agenda: AgendaEntry[] = [];
    for (const e of await eventsAround(sql, sub.collectionId, window.today.from, window.today.to)) {
      for (const occurrence of occurrencesBetween(e.icalendar, sub.collectionTimeZone, window.today.from, window.today.to)) {
        if (occurrence.status !== 'CANCELLED') agenda.push({ occurrence, resourceName: e.resourceName });
      }
    }
    agenda.sort((a, b) => a.occurrence.start.getTime() - b.occurrence.start.getTime());
    const message = digestMessage(
      deps.templates,
      deps.settings,
      { id: sub.collectionId, name: sub.collectionName, timeZone: sub.collectionTimeZone },
      sub,
      { localDate: window.localDate, yesterday: window.yesterday.localDate, changes, details: { items, snapshots, actors }, agenda },
    );
    await enqueueMessages(sql, deps.settings.mailDomain, [message], now);
    return 'sent';
  });
}
