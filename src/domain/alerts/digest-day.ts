// One member's daily digest of one collection: once the digest time has
// passed in their time zone, yesterday's changes to the collection (without
// their own) and today's agenda, at most once per local day. A day with no
// changes is recorded as handled and sends nothing. The daily-digests job
// walks the members who are due.
import type { Store } from '../../store/index.ts';
import { withSqlTransaction } from '../../store/sql.ts';
import { enqueueMessages } from '../outbox/enqueue.ts';
import { changesFor } from './change-summary.ts';
import type { AgendaEntry, AlertComposer } from './composer.ts';
import { digestWindow, type DigestWindow } from './digest-schedule.ts';
import { changesBetween, claimDigestDay, digestSubscribers, eventsAround, handledDigests, purgeDigestDays, type DigestSubscriber } from './digests.ts';
import { actorNames, loadItemDetails, loadSnapshots, type ItemSnapshot } from './item-details.ts';
import { occurrencesBetween } from './occurrences.ts';

/** Digest days are remembered this long (a day handled is never sent again). */
const KEEP_DAYS_MS = 14 * 86_400_000;

export interface DueDigest {
  sub: DigestSubscriber;
  window: DigestWindow;
}

/** The members whose digest time has passed today and whose day is not handled yet. */
export async function dueDigests(store: Store, now: Date): Promise<DueDigest[]> {
  const due = (await digestSubscribers(store.pool))
    .map((sub) => ({ sub, window: digestWindow(now, sub.timeZone, sub.digestTime) }))
    .filter((d) => d.window.due);
  const handled = await handledDigests(store.pool, [...new Set(due.map((d) => d.window.localDate))]);
  return due.filter(({ sub, window }) => !handled.has(`${sub.userId}:${sub.collectionId}:${window.localDate}`));
}

/** 'taken': another run handled the day first. A failure rolls back: the day stays unclaimed for the next run. */
export async function sendDigest(store: Store, { sub, window }: DueDigest, o: { compose: AlertComposer; mailDomain: string; now: Date }): Promise<'sent' | 'empty' | 'taken'> {
  const { now } = o;
  return withSqlTransaction(store.pool, async (sql) => {
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
    const message = o.compose.digest(
      { id: sub.collectionId, name: sub.collectionName, timeZone: sub.collectionTimeZone },
      sub,
      { localDate: window.localDate, yesterday: window.yesterday.localDate, changes, details: { items, snapshots, actors }, agenda },
    );
    await enqueueMessages(sql, o.mailDomain, [message], now);
    return 'sent';
  });
}

export async function forgetOldDigestDays(store: Store, now: Date): Promise<number> {
  return purgeDigestDays(store.pool, new Date(now.getTime() - KEEP_DAYS_MS));
}
