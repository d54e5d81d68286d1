// The store side of daily digests: who wants one for which collection, the
// per-day record that makes each digest go out at most once (its primary
// key is the claim two instances race for), and yesterday's change rows.
import type { Pool } from '../../store/mysql.ts';
import { mysqlRunner, type SqlRunner } from '../../store/sql.ts';
import { CHANGE_ROW_COLUMNS, changeRowFromSql, type ChangeRow } from './change-summary.ts';
import { DEFAULT_DIGEST_TIME } from './digest-schedule.ts';

export interface DigestSubscriber {
  userId: bigint;
  email: string;
  displayName: string;
  timeZone: string;
  digestTime: string;
  collectionId: bigint;
  collectionName: string;
  collectionTimeZone: string;
  /** The collection's change position when they joined; earlier changes are not theirs to hear of. */
  joinedAtPosition: bigint;
}

/** Members who chose digests, whose account is enabled and whose address is not suspended. */
export async function digestSubscribers(pool: Pool): Promise<DigestSubscriber[]> {
  const rows = await mysqlRunner(pool).rows<Record<string, unknown>>(
    `SELECT s.userId, s.collectionId, u.email, u.displayName, u.timeZone, COALESCE(p.digestTime, ?) AS digestTime, c.name, c.timeZone AS collectionTimeZone,
            m.joinedAtPosition
       FROM alert_subscriptions s
       JOIN collection_members m ON m.collectionId = s.collectionId AND m.userId = s.userId
       JOIN users u ON u.id = s.userId AND u.disabledAt IS NULL
       JOIN collections c ON c.id = s.collectionId
       LEFT JOIN alert_preferences p ON p.userId = s.userId
       LEFT JOIN mail_bounces b ON b.email = u.email
      WHERE s.mode = 'digest' AND b.suspendedAt IS NULL
      ORDER BY s.userId, s.collectionId`,
    [DEFAULT_DIGEST_TIME],
  );
  return rows.map((r) => ({
    userId: BigInt(r.userId as string),
    email: r.email as string,
    displayName: r.displayName as string,
    timeZone: r.timeZone as string,
    digestTime: r.digestTime as string,
    collectionId: BigInt(r.collectionId as string),
    collectionName: r.name as string,
    collectionTimeZone: r.collectionTimeZone as string,
    joinedAtPosition: BigInt(r.joinedAtPosition as string),
  }));
}

/** The digest days already handled among `candidates` ("userId:collectionId:date"), to skip them cheaply. */
export async function handledDigests(pool: Pool, localDates: string[]): Promise<Set<string>> {
  if (localDates.length === 0) return new Set();
  const rows = await mysqlRunner(pool).rows<{ userId: string; collectionId: string; localDate: string }>(
    `SELECT userId, collectionId, localDate FROM digest_deliveries WHERE localDate IN (${localDates.map(() => '?').join(', ')})`,
    localDates,
  );
  return new Set(rows.map((r) => `${r.userId}:${r.collectionId}:${r.localDate}`));
}

/** Claims one digest day inside the caller's transaction; false when it was already handled. */
export async function claimDigestDay(sql: SqlRunner, userId: bigint, collectionId: bigint, localDate: string, sent: boolean, now: Date): Promise<boolean> {
  const n = await sql.run('INSERT IGNORE INTO digest_deliveries (userId, collectionId, localDate, sent, createdAt) VALUES (?, ?, ?, ?, ?)', [userId, collectionId, localDate, sent, now]);
  return n === 1;
}

export async function changesBetween(sql: SqlRunner, collectionId: bigint, from: Date, to: Date): Promise<ChangeRow[]> {
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT ${CHANGE_ROW_COLUMNS} FROM changes
      WHERE collectionId = ? AND createdAt >= ? AND createdAt < ? ORDER BY position LIMIT 20000`,
    [collectionId, from, to],
  );
  return rows.map(changeRowFromSql);
}

/** Events of the collection that may occur in [from, to) (candidates; occurrences.ts decides). */
export async function eventsAround(sql: SqlRunner, collectionId: bigint, from: Date, to: Date): Promise<Array<{ uid: string; resourceName: string; icalendar: string }>> {
  return sql.rows(
    `SELECT uid, resourceName, icalendar FROM items
      WHERE collectionId = ? AND kind = 'VEVENT' AND startUtc < ? AND (endUtc IS NULL OR endUtc > ? OR endUtc = startUtc)
      ORDER BY startUtc LIMIT 2000`,
    [collectionId, to, from],
  );
}

export async function purgeDigestDays(pool: Pool, before: Date): Promise<number> {
  return mysqlRunner(pool).run('DELETE FROM digest_deliveries WHERE createdAt < ? LIMIT 5000', [before]);
}
