// The store side of the immediate-alert fan-out. The job reads the change
// log after each collection's cursor (collection_alert_state), so alerts
// follow every write path alike: CalDAV, email, web and API all append
// there. One collection's batch is handled in one transaction that holds its
// state row (SELECT … FOR UPDATE SKIP LOCKED: another instance skips it),
// writes the outbox rows and advances the cursor, so a batch is alerted
// once and never lost.
import type { Pool } from '../../store/mysql.ts';
import { mysqlRunner, placeholders, type SqlRunner } from '../../store/sql.ts';
import type { Role } from '../access.ts';
import { CHANGE_ROW_COLUMNS, changeRowFromSql, type ChangeRow } from './change-summary.ts';
import { effectiveMode, type AlertMode } from './subscriptions.ts';

/** Changes older than this when first seen are not alerted (a new install, or a long outage). */
export const MAX_ALERT_AGE_MS = 24 * 3600 * 1000;
/** Changes read per batch; more than this in one window is a spike for the circuit breaker anyway. */
export const MAX_BATCH_CHANGES = 5000;

export interface AlertState {
  collectionId: bigint;
  alertedPosition: bigint;
  lastBatchAt: Date | null;
  budgetWindowStart: Date | null;
  budgetWindowChanges: number;
  frozenAt: Date | null;
}

/** Collections whose change log has moved past their alert cursor. */
export async function collectionsWithPendingChanges(pool: Pool, limit = 1000): Promise<Array<{ collectionId: bigint; hasState: boolean }>> {
  const rows = await mysqlRunner(pool).rows<{ id: string; hasState: number }>(
    `SELECT c.id, s.collectionId IS NOT NULL AS hasState FROM collections c
       LEFT JOIN collection_alert_state s ON s.collectionId = c.id
      WHERE c.changePosition > COALESCE(s.alertedPosition, 0) ORDER BY c.id LIMIT ${Math.floor(limit)}`,
  );
  return rows.map((r) => ({ collectionId: BigInt(r.id), hasState: Number(r.hasState) === 1 }));
}

/** Makes the state row exist, outside any batch transaction (an insert would wait on a locked row). */
export async function ensureAlertState(pool: Pool, collectionId: bigint, now: Date): Promise<void> {
  await mysqlRunner(pool).run('INSERT IGNORE INTO collection_alert_state (collectionId, alertedPosition, updatedAt) VALUES (?, 0, ?)', [collectionId, now]);
}

/** The state row, locked for this transaction; null when another instance holds it. */
export async function lockAlertState(sql: SqlRunner, collectionId: bigint): Promise<AlertState | null> {
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT collectionId, alertedPosition, lastBatchAt, budgetWindowStart, budgetWindowChanges, frozenAt
       FROM collection_alert_state WHERE collectionId = ? FOR UPDATE SKIP LOCKED`,
    [collectionId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    collectionId,
    alertedPosition: BigInt(r.alertedPosition as string),
    lastBatchAt: (r.lastBatchAt as Date | null) ?? null,
    budgetWindowStart: (r.budgetWindowStart as Date | null) ?? null,
    budgetWindowChanges: Number(r.budgetWindowChanges),
    frozenAt: (r.frozenAt as Date | null) ?? null,
  };
}

/** The collection's name and zone, as the batch's messages name it. */
export async function collectionInfo(sql: SqlRunner, collectionId: bigint): Promise<{ id: bigint; name: string; timeZone: string }> {
  const [row] = await sql.rows<{ name: string; timeZone: string }>('SELECT name, timeZone FROM collections WHERE id = ?', [collectionId]);
  return { id: collectionId, name: row?.name ?? '', timeZone: row?.timeZone ?? 'UTC' };
}

export async function pendingChanges(sql: SqlRunner, collectionId: bigint, after: bigint): Promise<ChangeRow[]> {
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT ${CHANGE_ROW_COLUMNS} FROM changes
      WHERE collectionId = ? AND position > ? ORDER BY position LIMIT ${MAX_BATCH_CHANGES}`,
    [collectionId, after],
  );
  return rows.map(changeRowFromSql);
}

export interface Member {
  userId: bigint;
  email: string;
  displayName: string;
  timeZone: string;
  isAdmin: boolean;
  role: Role;
  /** The member's choice, or the default (subscriptions.ts). */
  mode: AlertMode;
  /** The collection's change position when they joined; they hear only of later changes. */
  joinedAtPosition: bigint;
  /** Whether the member chose (a row exists). */
  chosen: boolean;
  /** Mail to this address is suspended after bounces. */
  suspended: boolean;
  disabled: boolean;
}

/** Every member of the collection with their mode and whether mail can reach them. */
export async function collectionMembers(sql: SqlRunner, collectionId: bigint): Promise<Member[]> {
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT m.userId, m.role, m.joinedAtPosition, u.email, u.displayName, u.timeZone, u.isAdmin, u.disabledAt IS NOT NULL AS disabled,
            s.mode, b.suspendedAt IS NOT NULL AS suspended
       FROM collection_members m
       JOIN users u ON u.id = m.userId
       LEFT JOIN alert_subscriptions s ON s.collectionId = m.collectionId AND s.userId = m.userId
       LEFT JOIN mail_bounces b ON b.email = u.email
      WHERE m.collectionId = ? ORDER BY m.userId`,
    [collectionId],
  );
  return rows.map((r) => ({
    userId: BigInt(r.userId as string),
    email: r.email as string,
    displayName: r.displayName as string,
    timeZone: r.timeZone as string,
    isAdmin: Number(r.isAdmin) === 1,
    role: r.role as Role,
    mode: effectiveMode((r.mode as AlertMode | null) ?? null),
    joinedAtPosition: BigInt(r.joinedAtPosition as string),
    chosen: r.mode !== null,
    suspended: Number(r.suspended) === 1,
    disabled: Number(r.disabled) === 1,
  }));
}

export function canBeMailed(m: Pick<Member, 'suspended' | 'disabled'>): boolean {
  return !m.suspended && !m.disabled;
}

export async function advanceCursor(
  sql: SqlRunner,
  collectionId: bigint,
  position: bigint,
  now: Date,
  budget: { windowStart: Date; windowChanges: number; frozenAt: Date | null; frozenReason?: string },
): Promise<void> {
  await sql.run(
    `UPDATE collection_alert_state SET alertedPosition = ?, lastBatchAt = ?, budgetWindowStart = ?, budgetWindowChanges = ?,
            frozenAt = ?, frozenReason = COALESCE(?, frozenReason), updatedAt = ? WHERE collectionId = ?`,
    [position, now, budget.windowStart, budget.windowChanges, budget.frozenAt, budget.frozenReason ?? null, now, collectionId],
  );
}

/** The people told when a collection is frozen: its owner and every admin, when mail can reach them. */
export async function ownerAndAdmins(sql: SqlRunner, collectionId: bigint): Promise<Array<{ userId: bigint; email: string; displayName: string; timeZone: string; isOwner: boolean }>> {
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT u.id, u.email, u.displayName, u.timeZone, u.id = c.ownerId AS isOwner
       FROM users u JOIN collections c ON c.id = ?
       LEFT JOIN mail_bounces b ON b.email = u.email
      WHERE (u.id = c.ownerId OR u.isAdmin) AND u.disabledAt IS NULL AND b.suspendedAt IS NULL
      ORDER BY u.id LIMIT 100`,
    [collectionId],
  );
  return rows.map((r) => ({ userId: BigInt(r.id as string), email: r.email as string, displayName: r.displayName as string, timeZone: r.timeZone as string, isOwner: Number(r.isOwner) === 1 }));
}

/** Alert-type messages already queued per address since `since`, for the per-recipient budget. */
export async function recentMessageCounts(sql: SqlRunner, emails: string[], since: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < emails.length; i += 1000) {
    const slice = emails.slice(i, i + 1000).map((e) => e.toLowerCase());
    const rows = await sql.rows<{ recipient: string; n: number }>(
      `SELECT recipient, COUNT(*) AS n FROM outbox WHERE recipient IN (${placeholders(slice.length)}) AND createdAt >= ?
          AND kind IN ('alert', 'digest', 'reminder') GROUP BY recipient`,
      [...slice, since],
    );
    for (const r of rows) counts.set(r.recipient, Number(r.n));
  }
  return counts;
}
