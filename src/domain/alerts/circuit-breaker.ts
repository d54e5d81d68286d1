// The circuit breaker. Coalescing already caps alerts at one per recipient
// per collection per window; the budgets stop the rest of a flood. Per
// collection: changes alerted per hour; a spike (a script rewriting a
// collection) freezes its alerts, and the owner and admins are told instead
// of the members being flooded, until the owner or an admin unfreezes it.
// Per recipient: alert messages per hour across all collections; past it,
// that recipient's immediate alerts are skipped until the hour has room
// again (the skipped changes are not re-sent: a flood is what it stops).
import type { Store } from '../../store/index.ts';
import { isAdmin, requireRead, type Actor } from '../access.ts';
import { recordAudit, type AuditContext } from '../audit.ts';
import { Forbidden, NotFound } from '../errors.ts';
import type { AlertState } from './fanout-batch.ts';

const HOUR_MS = 3600_000;

export interface CollectionBudget {
  windowStart: Date;
  windowChanges: number;
  /** Set when this batch trips the breaker. */
  trips: boolean;
  reason: string;
}

/** Counts this batch's changed items into the collection's hourly window and says whether it trips. */
export function chargeCollectionBudget(state: Pick<AlertState, 'budgetWindowStart' | 'budgetWindowChanges'>, changedItems: number, now: Date, perHour: number): CollectionBudget {
  const fresh = state.budgetWindowStart === null || now.getTime() - state.budgetWindowStart.getTime() >= HOUR_MS;
  const windowStart = fresh ? now : state.budgetWindowStart!;
  const windowChanges = (fresh ? 0 : state.budgetWindowChanges) + changedItems;
  const trips = windowChanges > perHour;
  const reason = trips ? `${windowChanges} changed items within an hour, over the budget of ${perHour} per hour` : '';
  return { windowStart, windowChanges, trips, reason };
}

export function withinRecipientBudget(sentThisHour: number, perHour: number): boolean {
  return sentThisHour < perHour;
}

export interface AlertFreeze {
  collectionId: bigint;
  frozenAt: Date | null;
  frozenReason: string;
}

export async function alertFreeze(store: Store, userId: bigint, collectionId: bigint): Promise<AlertFreeze> {
  await requireRead(store.db, userId, collectionId);
  const state = await store.db.collectionAlertState.findUnique({ where: { collectionId }, select: { frozenAt: true, frozenReason: true } });
  return { collectionId, frozenAt: state?.frozenAt ?? null, frozenReason: state?.frozenAt ? (state.frozenReason ?? '') : '' };
}

/**
 * Lifts a freeze: the owner, an admin or the operator. The budget window
 * starts afresh; changes made while frozen stay unalerted (they were in the
 * digests).
 */
export async function unfreezeAlerts(store: Store, actor: Actor, collectionId: bigint, ctx: AuditContext): Promise<AlertFreeze> {
  if (!(await isAdmin(store.db, actor))) {
    const role = await requireRead(store.db, actor as bigint, collectionId);
    if (role !== 'owner') throw new Forbidden('only the owner of the collection or an admin may resume its alerts');
  }
  return store.db.$transaction(async (tx) => {
    const state = await tx.collectionAlertState.findUnique({ where: { collectionId } });
    if (!state) {
      const exists = await tx.collection.findUnique({ where: { id: collectionId }, select: { id: true } });
      if (!exists) throw new NotFound(`no collection ${collectionId}`);
      return { collectionId, frozenAt: null, frozenReason: '' };
    }
    await tx.collectionAlertState.update({ where: { collectionId }, data: { frozenAt: null, frozenReason: '', budgetWindowStart: null, budgetWindowChanges: 0 } });
    await recordAudit(tx, ctx, { action: 'alerts.unfreeze', targetType: 'collection', targetId: collectionId, detail: state.frozenReason });
    return { collectionId, frozenAt: null, frozenReason: '' };
  });
}
