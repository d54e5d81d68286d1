// `tidings check-items`: finds items stored before the calendar-data limits
// (calendar-limits.ts) that break them: a rule that never matches, a value
// with a NUL or a bare CR, more components or nesting than allowed. Each is
// judged exactly as a write of the same text would be today (icalendar.ts
// parseCalendarObject, in its collection's zone). Nothing is changed: the
// report names each item and why, for its owner or an operator to fix or
// delete; reads of such items stay bounded meanwhile (recurrence.ts).
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { InvalidInput } from './errors.ts';
import { parseCalendarObject } from './icalendar.ts';

export interface ItemProblem {
  itemId: bigint;
  collectionId: bigint;
  ownerEmail: string;
  resourceName: string;
  uid: string;
  reason: string;
}

export interface ItemCheck {
  checked: number;
  problems: ItemProblem[];
}

const BATCH = 200;

export async function checkStoredItems(store: Store): Promise<ItemCheck> {
  const result: ItemCheck = { checked: 0, problems: [] };
  let after = '0';
  for (;;) {
    const [rows] = await store.pool.execute<RowDataPacket[]>(
      `SELECT i.id, i.collectionId, i.uid, i.resourceName, i.icalendar, c.timeZone, u.email
         FROM items i JOIN collections c ON c.id = i.collectionId JOIN users u ON u.id = c.ownerId
        WHERE i.id > ? ORDER BY i.id LIMIT ${BATCH}`,
      [after],
    );
    for (const r of rows) {
      result.checked++;
      const reason = problemOf(r.icalendar as string, r.timeZone as string);
      if (reason === null) continue;
      result.problems.push({
        itemId: BigInt(r.id),
        collectionId: BigInt(r.collectionId),
        ownerEmail: r.email as string,
        resourceName: r.resourceName as string,
        uid: r.uid as string,
        reason,
      });
    }
    if (rows.length < BATCH) return result;
    after = String(rows[rows.length - 1]!.id);
  }
}

/** Why a write of this text would be refused today, or null. */
export function problemOf(icalendar: string, timeZone: string): string | null {
  try {
    parseCalendarObject(icalendar, { floatingZone: timeZone });
    return null;
  } catch (err) {
    if (err instanceof InvalidInput) return err.message;
    // Data that breaks the reader itself (a stack overflow on nesting no write lets in now).
    return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
}
