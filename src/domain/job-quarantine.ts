// Stored items a job sets aside (job_quarantine): working on one broke the
// job's per-item budget, so trying it again would slow every run. Keyed by a
// hash of the item's calendar data, so an edited item is tried again.
import { createHash } from 'node:crypto';
import type { Pool } from '../store/mysql.ts';
import { mysqlRunner } from '../store/sql.ts';

export interface StoredItemRef {
  collectionId: bigint;
  uid: string;
  icalendar: string;
}

export interface QuarantinedItem {
  job: string;
  collectionId: bigint;
  uid: string;
  reason: string;
  elapsedMs: number;
  createdAt: Date;
}

const hashOf = (icalendar: string) => createHash('sha256').update(icalendar).digest('hex');
const keyOf = (collectionId: bigint, uid: string, hash: string) => `${collectionId}\n${uid}\n${hash}`;

/** The job's quarantine, to test items against with has(). */
export async function loadQuarantine(pool: Pool, job: string): Promise<{ has(item: StoredItemRef): boolean }> {
  const rows = await mysqlRunner(pool).rows<{ collectionId: string | number; uid: string; contentHash: string }>(
    'SELECT collectionId, uid, contentHash FROM job_quarantine WHERE job = ?',
    [job],
  );
  const keys = new Set(rows.map((r) => keyOf(BigInt(r.collectionId), r.uid, r.contentHash)));
  return { has: (item) => keys.size > 0 && keys.has(keyOf(item.collectionId, item.uid, hashOf(item.icalendar))) };
}

export async function quarantineItem(pool: Pool, job: string, item: StoredItemRef, reason: string, elapsedMs: number): Promise<void> {
  await mysqlRunner(pool).run(
    'INSERT IGNORE INTO job_quarantine (job, collectionId, uid, contentHash, reason, elapsedMs) VALUES (?, ?, ?, ?, ?, ?)',
    [job, item.collectionId, item.uid, hashOf(item.icalendar), reason.slice(0, 1000), Math.min(Math.round(elapsedMs), 2_147_483_647)],
  );
}

export async function listQuarantine(pool: Pool, job?: string): Promise<QuarantinedItem[]> {
  const rows = await mysqlRunner(pool).rows<Record<string, unknown>>(
    `SELECT job, collectionId, uid, reason, elapsedMs, createdAt FROM job_quarantine ${job ? 'WHERE job = ?' : ''} ORDER BY createdAt`,
    job ? [job] : [],
  );
  return rows.map((r) => ({
    job: r.job as string,
    collectionId: BigInt(r.collectionId as string),
    uid: r.uid as string,
    reason: r.reason as string,
    elapsedMs: Number(r.elapsedMs),
    createdAt: r.createdAt as Date,
  }));
}
