// One collection's immediate alerts: once its oldest pending change has
// waited the coalescing window (and the last alert a window too), one
// transaction turns the pending changes into at most one alert per
// subscribed member (without their own changes) and one POST per webhook,
// charges the budgets, and advances the cursor. Another instance skips a
// collection in progress. The alert-fanout job walks the collections.
import type { Store } from '../../store/index.ts';
import { withSqlTransaction, type SqlRunner } from '../../store/sql.ts';
import { enqueueMessages, type OutgoingMessage } from '../outbox/enqueue.ts';
import { collectionWebhooks, enqueueWebhookDeliveries } from '../webhooks/deliveries.ts';
import { webhookPayload } from '../webhooks/payload.ts';
import { changesByRecipient, isBatchDue, summarizeChanges } from './change-summary.ts';
import { chargeCollectionBudget, withinRecipientBudget } from './circuit-breaker.ts';
import type { AlertComposer, BatchDetails, CollectionInfo } from './composer.ts';
import {
  MAX_ALERT_AGE_MS,
  advanceCursor,
  canBeMailed,
  collectionInfo,
  collectionMembers,
  collectionsWithPendingChanges,
  ensureAlertState,
  lockAlertState,
  ownerAndAdmins,
  pendingChanges,
  recentMessageCounts,
} from './fanout-batch.ts';
import { actorNames, loadItemDetails, loadSnapshots, saveSnapshots, type ItemDetails } from './item-details.ts';

export interface FanoutOptions {
  compose: AlertComposer;
  mailDomain: string;
  coalesceMs: number;
  recipientBudgetPerHour: number;
  collectionBudgetPerHour: number;
  now: () => Date;
}

export interface PendingCollection {
  collectionId: bigint;
  hasState: boolean;
}

/** 'locked': another instance has it; 'waiting': not due yet. */
export type FanoutOutcome = 'locked' | 'waiting' | { alerts: number; webhooks: number; overBudget: number; froze: boolean };

/** Collections whose change log has moved past their alert cursor. */
export function collectionsToAlert(store: Store): Promise<PendingCollection[]> {
  return collectionsWithPendingChanges(store.pool);
}

export async function alertCollection(store: Store, pending: PendingCollection, o: FanoutOptions): Promise<FanoutOutcome> {
  if (!pending.hasState) await ensureAlertState(store.pool, pending.collectionId, o.now());
  return withSqlTransaction(store.pool, (sql) => fanoutCollection(o, sql, pending.collectionId));
}

async function fanoutCollection(o: FanoutOptions, sql: SqlRunner, collectionId: bigint): Promise<FanoutOutcome> {
  const state = await lockAlertState(sql, collectionId);
  if (!state) return 'locked';
  const rows = await pendingChanges(sql, collectionId, state.alertedPosition);
  const now = o.now();
  if (rows.length === 0 || !isBatchDue(rows[0]!.createdAt, state.lastBatchAt, now, o.coalesceMs)) return 'waiting';

  const fresh = rows.filter((r) => now.getTime() - r.createdAt.getTime() <= MAX_ALERT_AGE_MS);
  const uids = [...new Set(rows.map((r) => r.uid))];
  const collection = await collectionInfo(sql, collectionId);
  const items = await loadItemDetails(sql, collectionId, uids);
  const snapshots = await loadSnapshots(sql, collectionId, uids);
  const actorIds = [...new Set(fresh.flatMap((r) => (r.actorUserId === null ? [] : [r.actorUserId])))];
  const details: BatchDetails = { items, snapshots, actors: await actorNames(sql, actorIds) };

  const everyone = summarizeChanges(fresh);
  const budget = chargeCollectionBudget(state, everyone.length, now, o.collectionBudgetPerHour);
  let outcome: Exclude<FanoutOutcome, string> = { alerts: 0, webhooks: 0, overBudget: 0, froze: false };
  let frozenAt = state.frozenAt;
  let frozenReason: string | undefined;
  if (state.frozenAt === null && budget.trips) {
    frozenAt = now;
    frozenReason = budget.reason;
    const notices = (await ownerAndAdmins(sql, collectionId)).map((r) => o.compose.frozenNotice(collection, r, { reason: budget.reason, frozenAt: now }));
    await enqueueMessages(sql, o.mailDomain, notices, now);
    outcome.froze = true;
  } else if (state.frozenAt === null && everyone.length > 0) {
    outcome = await alertMembers(o, sql, collection, fresh, details, now);
  }

  const present: ItemDetails[] = uids.flatMap((u) => items.get(u) ?? []);
  await saveSnapshots(sql, collectionId, present, uids.filter((u) => !items.has(u)), now);
  await advanceCursor(sql, collectionId, rows[rows.length - 1]!.position, now, {
    windowStart: budget.windowStart,
    windowChanges: budget.windowChanges,
    frozenAt,
    frozenReason,
  });
  return outcome;
}

async function alertMembers(
  o: FanoutOptions,
  sql: SqlRunner,
  collection: CollectionInfo,
  rows: Parameters<typeof changesByRecipient>[0],
  details: BatchDetails,
  now: Date,
): Promise<{ alerts: number; webhooks: number; overBudget: number; froze: boolean }> {
  const viewOf = changesByRecipient(rows);
  const everyMember = await collectionMembers(sql, collection.id);
  const joinedAt = new Map(everyMember.map((m) => [m.userId, m.joinedAtPosition]));
  const members = everyMember.filter((m) => m.mode === 'immediate' && canBeMailed(m));
  const sentThisHour = await recentMessageCounts(sql, members.map((m) => m.email), new Date(now.getTime() - 3600_000));
  const messages: OutgoingMessage[] = [];
  let overBudget = 0;
  for (const m of members) {
    const changes = viewOf(m.userId, m.joinedAtPosition);
    if (changes.length === 0) continue;
    if (!withinRecipientBudget(sentThisHour.get(m.email.toLowerCase()) ?? 0, o.recipientBudgetPerHour)) {
      overBudget++;
      continue;
    }
    messages.push(o.compose.alert(collection, m, changes, details));
  }
  await enqueueMessages(sql, o.mailDomain, messages, now);

  const deliveries: Array<{ webhookId: bigint; payload: string }> = [];
  for (const w of await collectionWebhooks(sql, collection.id)) {
    const changes = viewOf(w.userId, joinedAt.get(w.userId));
    if (changes.length > 0) deliveries.push({ webhookId: w.id, payload: webhookPayload(collection, w.userId, changes, details, now) });
  }
  await enqueueWebhookDeliveries(sql, deliveries, now);
  return { alerts: messages.length, webhooks: deliveries.length, overBudget, froze: false };
}
