// What a run of change-log rows means to a reader: per item, added, changed
// (with the fields that changed) or removed, and by whom through which
// channel. An item added and removed within one batch is not mentioned; a
// put that changed no field a person sees (a client rewriting DTSTAMP) is
// not either. A recipient's own changes are left out before summarising, so
// nobody is alerted about what they did themselves, and so are the changes
// from before they joined (up to their membership's joinedAtPosition), so a
// newcomer is not told that everything already there was "added".
import { TRACKED_FIELDS, type TrackedField } from '../icalendar.ts';
import type { ItemOrigin } from '../items.ts';

export interface ChangeRow {
  position: bigint;
  operation: 'put' | 'delete';
  uid: string;
  resourceName: string;
  changedFields: string;
  actorUserId: bigint | null;
  origin: ItemOrigin;
  createdAt: Date;
}

/** The change-log columns a ChangeRow is read from (mysql2 rows). */
export const CHANGE_ROW_COLUMNS = 'position, operation, uid, resourceName, changedFields, actorUserId, origin, createdAt';

export function changeRowFromSql(r: Record<string, unknown>): ChangeRow {
  return {
    position: BigInt(r.position as string),
    operation: r.operation as 'put' | 'delete',
    uid: r.uid as string,
    resourceName: r.resourceName as string,
    changedFields: r.changedFields as string,
    actorUserId: r.actorUserId === null ? null : BigInt(r.actorUserId as string),
    origin: r.origin as ItemOrigin,
    createdAt: r.createdAt as Date,
  };
}

export interface ItemChange {
  uid: string;
  resourceName: string;
  change: 'added' | 'changed' | 'removed';
  /** For "changed": the fields that differ, in TRACKED_FIELDS order. */
  fields: TrackedField[];
  /** Who made the changes and through which channel, in order of first appearance. */
  by: Array<{ userId: bigint | null; origin: ItemOrigin }>;
  lastAt: Date;
}

export function summarizeChanges(rows: ChangeRow[]): ItemChange[] {
  const byUid = new Map<string, ChangeRow[]>();
  for (const r of rows) {
    const list = byUid.get(r.uid);
    if (list) list.push(r);
    else byUid.set(r.uid, [r]);
  }
  const out: ItemChange[] = [];
  for (const [uid, list] of byUid) {
    list.sort((a, b) => (a.position < b.position ? -1 : 1));
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const existedBefore = !(first.operation === 'put' && first.changedFields.split(',').includes('created'));
    const existsAfter = last.operation === 'put';
    let change: ItemChange['change'];
    if (!existedBefore && !existsAfter) continue;
    else if (!existedBefore) change = 'added';
    else if (!existsAfter) change = 'removed';
    else change = 'changed';
    const seen = new Set(list.filter((r) => r.operation === 'put').flatMap((r) => r.changedFields.split(',')));
    const fields = change === 'changed' ? TRACKED_FIELDS.filter((f) => seen.has(f)) : [];
    if (change === 'changed' && fields.length === 0 && !seen.has('created')) continue;
    const by: ItemChange['by'] = [];
    for (const r of list) {
      if (!by.some((b) => b.userId === r.actorUserId && b.origin === r.origin)) by.push({ userId: r.actorUserId, origin: r.origin });
    }
    out.push({ uid, resourceName: last.resourceName, change, fields, by, lastAt: last.createdAt });
  }
  return out;
}

/** The batch as `userId` should see it: without their own changes, nor those up to `joinedAtPosition`. */
export function changesFor(rows: ChangeRow[], userId: bigint, joinedAtPosition = 0n): ItemChange[] {
  return summarizeChanges(rows.filter((r) => r.actorUserId !== userId && r.position > joinedAtPosition));
}

/**
 * Summaries for every recipient, computed once per distinct view: everyone
 * who made no change in the batch and joined before it sees the same list;
 * only the batch's actors, and members who joined during it, need one of
 * their own. Keeps a fan-out to thousands cheap.
 */
export function changesByRecipient(rows: ChangeRow[]): (userId: bigint, joinedAtPosition?: bigint) => ItemChange[] {
  const everyone = summarizeChanges(rows);
  const actors = new Map<bigint, ItemChange[]>();
  for (const r of rows) {
    if (r.actorUserId !== null && !actors.has(r.actorUserId)) actors.set(r.actorUserId, changesFor(rows, r.actorUserId));
  }
  const firstPosition = rows.reduce((min, r) => (r.position < min ? r.position : min), rows[0]?.position ?? 0n);
  return (userId, joinedAtPosition = 0n) =>
    joinedAtPosition >= firstPosition ? changesFor(rows, userId, joinedAtPosition) : (actors.get(userId) ?? everyone);
}

/** Whether a batch of pending changes is due: its oldest change has waited a window, and so has the last alert. */
export function isBatchDue(oldestPendingAt: Date, lastBatchAt: Date | null, now: Date, windowMs: number): boolean {
  if (now.getTime() - oldestPendingAt.getTime() < windowMs) return false;
  return lastBatchAt === null || now.getTime() - lastBatchAt.getTime() >= windowMs;
}
