// Event reminders: VALARMs with ACTION:EMAIL (RFC 5545 3.6.6) and the
// collection's default reminder (off unless its owner sets one), for every
// occurrence of recurring events. A reminder is due when its trigger has
// passed but by no more than REMINDER_GRACE_MS (after an outage, stale
// reminders are dropped, not sent late); each occurrence's alarm goes to
// each recipient once (reminder_deliveries), never for a cancelled one.
// An alarm's ATTENDEEs choose among the members (RFC 5545 requires them for
// EMAIL alarms); one without any goes to the owner; the default reminder
// goes to every member. Members who turned the collection's mail off, and
// suspended addresses, get none. The reminders job walks the candidates.
import type { Store } from '../../store/index.ts';
import { mysqlRunner, withSqlTransaction, type SqlRunner } from '../../store/sql.ts';
import { requireOwner, requireRead } from '../access.ts';
import { recordAudit, type AuditContext } from '../audit.ts';
import { InvalidInput } from '../errors.ts';
import { enqueueMessages, type OutgoingMessage } from '../outbox/enqueue.ts';
import type { AlertComposer } from './composer.ts';
import { canBeMailed, collectionMembers, type Member } from './fanout-batch.ts';
import { occurrencesBetween, triggerTime, type Occurrence } from './occurrences.ts';

export const REMINDER_GRACE_MS = 15 * 60_000;
/** Alarms further ahead of their event than this are not looked for. */
export const MAX_REMINDER_LEAD_MS = 7 * 86_400_000;
const AFTER_START_MS = 2 * 86_400_000;
/** Sent reminders are remembered this long after their occurrence. */
const KEEP_MS = 30 * 86_400_000;

export interface ReminderItem {
  collectionId: bigint;
  collectionName: string;
  collectionTimeZone: string;
  defaultReminderMinutes: number | null;
  uid: string;
  resourceName: string;
  icalendar: string;
}

/** Events that may have a reminder due around `now`. */
export async function reminderCandidates(store: Store, now: Date): Promise<ReminderItem[]> {
  const rows = await mysqlRunner(store.pool).rows<Record<string, unknown>>(
    `SELECT i.collectionId, c.name, c.timeZone, s.defaultReminderMinutes, i.uid, i.resourceName, i.icalendar
       FROM items i
       JOIN collections c ON c.id = i.collectionId
       LEFT JOIN collection_alert_state s ON s.collectionId = i.collectionId
      WHERE i.kind = 'VEVENT' AND i.startUtc <= ? AND (i.endUtc IS NULL OR i.endUtc >= ?)
        AND (s.defaultReminderMinutes IS NOT NULL OR i.icalendar LIKE '%ACTION:EMAIL%')`,
    [new Date(now.getTime() + MAX_REMINDER_LEAD_MS), new Date(now.getTime() - REMINDER_GRACE_MS - AFTER_START_MS)],
  );
  return rows.map((r) => ({
    collectionId: BigInt(r.collectionId as string),
    collectionName: r.name as string,
    collectionTimeZone: r.timeZone as string,
    defaultReminderMinutes: r.defaultReminderMinutes === null ? null : Number(r.defaultReminderMinutes),
    uid: r.uid as string,
    resourceName: r.resourceName as string,
    icalendar: r.icalendar as string,
  }));
}

export interface DueReminder {
  occurrence: Occurrence;
  alarmKey: string;
  /** The alarm's ATTENDEE addresses; null for the collection's default reminder (every member). */
  attendees: string[] | null;
}

export function dueReminders(item: ReminderItem, now: Date): DueReminder[] {
  const from = new Date(now.getTime() - REMINDER_GRACE_MS - AFTER_START_MS);
  const to = new Date(now.getTime() + MAX_REMINDER_LEAD_MS);
  const inWindow = (t: Date) => t.getTime() > now.getTime() - REMINDER_GRACE_MS && t.getTime() <= now.getTime();
  const due: DueReminder[] = [];
  for (const o of occurrencesBetween(item.icalendar, item.collectionTimeZone, from, to)) {
    if (o.status === 'CANCELLED') continue;
    for (const alarm of o.alarms) {
      if (inWindow(triggerTime(alarm, o))) due.push({ occurrence: o, alarmKey: alarm.key, attendees: alarm.attendees });
    }
    if (item.defaultReminderMinutes !== null && inWindow(new Date(o.start.getTime() - item.defaultReminderMinutes * 60_000))) {
      due.push({ occurrence: o, alarmKey: 'default', attendees: null });
    }
  }
  return due;
}

/** Records one reminder in the caller's transaction; false when it was sent before. */
export async function claimReminder(sql: SqlRunner, item: ReminderItem, r: DueReminder, userId: bigint, now: Date): Promise<boolean> {
  const n = await sql.run('INSERT IGNORE INTO reminder_deliveries (collectionId, uid, occurrence, alarmKey, userId, createdAt) VALUES (?, ?, ?, ?, ?, ?)', [
    item.collectionId,
    item.uid,
    r.occurrence.recurrenceId,
    r.alarmKey,
    userId,
    now,
  ]);
  return n === 1;
}

export async function forgetOldReminders(store: Store, now: Date): Promise<number> {
  return mysqlRunner(store.pool).run('DELETE FROM reminder_deliveries WHERE occurrence < ? LIMIT 5000', [new Date(now.getTime() - KEEP_MS)]);
}

function recipients(members: Member[], r: DueReminder): Member[] {
  const reachable = members.filter((m) => canBeMailed(m) && !(m.chosen && m.mode === 'off'));
  if (r.attendees === null) return reachable;
  if (r.attendees.length === 0) return reachable.filter((m) => m.role === 'owner');
  return reachable.filter((m) => r.attendees!.includes(m.email.toLowerCase()));
}

/** Queues the item's due reminders, each to each recipient once, in one transaction; how many were queued. */
export async function sendReminders(store: Store, item: ReminderItem, due: DueReminder[], o: { compose: AlertComposer; mailDomain: string; now: Date }): Promise<number> {
  if (due.length === 0) return 0;
  return withSqlTransaction(store.pool, async (sql) => {
    const members = await collectionMembers(sql, item.collectionId);
    const messages: OutgoingMessage[] = [];
    const collection = { id: item.collectionId, name: item.collectionName, timeZone: item.collectionTimeZone };
    for (const r of due) {
      for (const m of recipients(members, r)) {
        if (!(await claimReminder(sql, item, r, m.userId, o.now))) continue;
        messages.push(o.compose.reminder(collection, m, { occurrence: r.occurrence, uid: item.uid, resourceName: item.resourceName, icalendar: item.icalendar }));
      }
    }
    await enqueueMessages(sql, o.mailDomain, messages, o.now);
    return messages.length;
  });
}

/** The collection's default reminder, minutes before each event (null: off); for its members. */
export async function getDefaultReminder(store: Store, userId: bigint, collectionId: bigint): Promise<number | null> {
  await requireRead(store.db, userId, collectionId);
  const state = await store.db.collectionAlertState.findUnique({ where: { collectionId }, select: { defaultReminderMinutes: true } });
  return state?.defaultReminderMinutes ?? null;
}

/** Sets the collection's default reminder. Only its owner sets it. */
export async function setDefaultReminder(store: Store, userId: bigint, collectionId: bigint, minutes: number | null, ctx: AuditContext): Promise<number | null> {
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 0 || minutes > 7 * 24 * 60)) {
    throw new InvalidInput('a default reminder is a whole number of minutes between 0 and 10080 (a week), or null for none');
  }
  await store.db.$transaction(async (tx) => {
    await requireOwner(tx, userId, collectionId);
    await tx.collectionAlertState.upsert({
      where: { collectionId },
      create: { collectionId, defaultReminderMinutes: minutes },
      update: { defaultReminderMinutes: minutes },
    });
    await recordAudit(tx, ctx, { action: 'alerts.default-reminder', targetType: 'collection', targetId: collectionId, detail: String(minutes) });
  });
  return minutes;
}
