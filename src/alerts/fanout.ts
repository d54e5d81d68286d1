// The immediate-alert fan-out: for each collection whose change log moved
// past its cursor, once its oldest pending change has waited the coalescing
// window (and the last alert a window too), one transaction turns the
// pending changes into at most one alert per subscribed member (without
// their own changes) and one POST per webhook, charges the budgets, and
// advances the cursor. Another instance skips a collection in progress.
import {
  actorNames,
  loadItemDetails,
  loadSnapshots,
  saveSnapshots,
  type ItemDetails,
} from '../domain/alerts/item-details.ts';
import { changesByRecipient, isBatchDue, summarizeChanges } from '../domain/alerts/change-summary.ts';
import { chargeCollectionBudget, withinRecipientBudget } from '../domain/alerts/circuit-breaker.ts';
import {
  MAX_ALERT_AGE_MS,
  advanceCursor,
  canBeMailed,
  collectionMembers,
  collectionsWithPendingChanges,
  ensureAlertState,
  lockAlertState,
  ownerAndAdmins,
  pendingChanges,
  recentMessageCounts,
} from '../domain/alerts/fanout-batch.ts';
import { collectionWebhooks, enqueueWebhookDeliveries } from '../domain/webhooks/deliveries.ts';
import { enqueueMessages, type OutgoingMessage } from '../mail/outbox/enqueue.ts';
import type { Store } from '../store/index.ts';
import { withSqlTransaction, type SqlRunner } from '../store/sql.ts';
import { alertMessage, frozenNotice, type BatchDetails, type CollectionInfo } from './alert-message.ts';
import type { AlertMailSettings } from './mail-headers.ts';
import type { MailTemplates } from './templates.ts';
import { webhookPayload } from './webhook-payload.ts';

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
  for (const { collectionId, hasState } of await collectionsWithPendingChanges(deps.store.pool)) {
    if (signal?.aborted) break;
    let done: Outcome;
    try {
      if (!hasState) await ensureAlertState(deps.store.pool, collectionId, deps.now());
      done = await withSqlTransaction(deps.store.pool, (sql) => fanoutCollection(deps, sql, collectionId));
    } catch (err) {
      // One collection's trouble (a deadlock, a bad item) must not hold up the others.
      report.failed.push({ collectionId, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (done === 'waiting') report.waiting++;
    if (typeof done !== 'object') continue;
    report.collections++;
    report.alerts += done.alerts;
    report.webhooks += done.webhooks;
    report.overRecipientBudget += done.overBudget;
    if (done.froze) report.frozen.push(collectionId);
  }
  return report;
}

type Outcome = 'locked' | 'waiting' | { alerts: number; webhooks: number; overBudget: number; froze: boolean };

async function fanoutCollection(deps: FanoutDeps, sql: SqlRunner, collectionId: bigint): Promise<Outcome> {
  const state = await lockAlertState(sql, collectionId);
  if (!state) return 'locked';
  const rows = await pendingChanges(sql, collectionId, state.alertedPosition);
  const now = deps.now();
  if (rows.length === 0 || !isBatchDue(rows[0]!.createdAt, state.lastBatchAt, now, deps.coalesceMs)) return 'waiting';

  const fresh = rows.filter((r) => now.getTime() - r.createdAt.getTime() <= MAX_ALERT_AGE_MS);
  const uids = [...new Set(rows.map((r) => r.uid))];
  const [collectionRow] = await sql.rows<{ name: string; timeZone: string }>('SELECT name, timeZone FROM collections WHERE id = ?', [collectionId]);
  const collection: CollectionInfo = { id: collectionId, name: collectionRow?.name ?? '', timeZone: collectionRow?.timeZone ?? 'UTC' };
  const items = await loadItemDetails(sql, collectionId, uids);
  const snapshots = await loadSnapshots(sql, collectionId, uids);
  const actorIds = [...new Set(fresh.flatMap((r) => (r.actorUserId === null ? [] : [r.actorUserId])))];
  const details: BatchDetails = { items, snapshots, actors: await actorNames(sql, actorIds) };

  const everyone = summarizeChanges(fresh);
  const budget = chargeCollectionBudget(state, everyone.length, now, deps.collectionBudgetPerHour);
  let outcome: Exclude<Outcome, string> = { alerts: 0, webhooks: 0, overBudget: 0, froze: false };
  let frozenAt = state.frozenAt;
  let frozenReason: string | undefined;
  if (state.frozenAt === null && budget.trips) {
    frozenAt = now;
    frozenReason = budget.reason;
    const notices = (await ownerAndAdmins(sql, collectionId)).map((r) => frozenNotice(deps.templates, deps.settings, collection, r, { reason: budget.reason, frozenAt: now }));
    await enqueueMessages(sql, deps.settings.mailDomain, notices, now);
    outcome.froze = true;
  } else if (state.frozenAt === null && everyone.length > 0) {
    outcome = await alertMembers(deps, sql, collection, fresh, details, now);
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
  deps: FanoutDeps,
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
    if (!withinRecipientBudget(sentThisHour.get(m.email.toLowerCase()) ?? 0, deps.recipientBudgetPerHour)) {
      overBudget++;
      continue;
    }
    messages.push(alertMessage(deps.templates, deps.settings, collection, m, changes, details));
  }
  await enqueueMessages(sql, deps.settings.mailDomain, messages, now);

  const deliveries: Array<{ webhookId: bigint; payload: string }> = [];
  for (const w of await collectionWebhooks(sql, collection.id)) {
    const changes = viewOf(w.userId, joinedAt.get(w.userId));
    if (changes.length > 0) deliveries.push({ webhookId: w.id, payload: webhookPayload(collection, w.userId, changes, details, now) });
  }
  await enqueueWebhookDeliveries(sql, deliveries, now);
  return { alerts: messages.length, webhooks: deliveries.length, overBudget, froze: false };
}
