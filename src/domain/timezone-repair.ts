// Items stored before every write path added missing VTIMEZONEs (mail named
// the collection's zone, Windows zones renamed to IANA, without defining
// them): `tidings repair timezones` gives each the VTIMEZONEs it lacks, by
// the same rule as a write (vtimezones.ts). A TZID no zone is known for was
// always read in the collection's zone (icalendar.ts); it is defined as that
// zone, so no instant moves. Each repaired item is a write like any other:
// new version and ETag, a change-log row (so syncing clients fetch the
// repaired copy), its size on the owner's quota; the row names no changed
// field, so it sends no alert. An item changed meanwhile is left for the
// next run (the write insists on the version read). The write is the one of
// item-write.ts (planRewrite): stored data is not judged again, and the
// repair's few bytes are charged to the quota without its refusal (the
// repair is the server's, not the owner's).
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { parseVcalendar } from './icalendar.ts';
import { commitWrite, planRewrite, StaleRead, storedCopy, type ItemOrigin } from './item-write.ts';
import { addMissingVtimezones } from './vtimezones.ts';

export interface TimezoneRepair {
  scanned: number;
  repaired: Array<{ collectionId: bigint; resourceName: string; added: string[] }>;
  /** Items whose text could not be read (left as they are). */
  unreadable: Array<{ collectionId: bigint; resourceName: string; reason: string }>;
}

const BATCH = 200;

export async function repairMissingVtimezones(store: Store, options: { dryRun?: boolean } = {}): Promise<TimezoneRepair> {
  const result: TimezoneRepair = { scanned: 0, repaired: [], unreadable: [] };
  let after = '0';
  for (;;) {
    // Only items that name a zone at all can lack one.
    const [rows] = await store.pool.execute<RowDataPacket[]>(
      `SELECT i.id, i.collectionId, i.uid, i.resourceName, i.icalendar, i.etag, i.version, i.sizeBytes, i.origin, c.timeZone, c.ownerId
         FROM items i JOIN collections c ON c.id = i.collectionId
        WHERE i.id > ? AND i.icalendar LIKE '%TZID=%' ORDER BY i.id LIMIT ${BATCH}`,
      [after],
    );
    for (const r of rows) {
      result.scanned++;
      const where = { collectionId: BigInt(r.collectionId), resourceName: r.resourceName as string };
      let text: string;
      let added: string[];
      try {
        const calendar = parseVcalendar(r.icalendar as string);
        added = addMissingVtimezones(calendar, { unknownAs: r.timeZone as string });
        text = calendar.toString();
      } catch (err) {
        result.unreadable.push({ ...where, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (added.length === 0) continue;
      if (!options.dryRun && !(await rewrite(store, r, text))) continue;
      result.repaired.push({ ...where, added });
    }
    if (rows.length < BATCH) return result;
    after = String(rows[rows.length - 1]!.id);
  }
}

/** Stores the repaired text as a new version, unless the item changed since it was read. */
async function rewrite(store: Store, r: RowDataPacket, text: string): Promise<boolean> {
  const collection = { id: BigInt(r.collectionId), ownerId: BigInt(r.ownerId), timeZone: String(r.timeZone), components: [] };
  try {
    await commitWrite(store, { actorUserId: null, origin: r.origin as ItemOrigin, quota: 'charge', steps: [planRewrite(collection, storedCopy(r), text)] });
    return true;
  } catch (err) {
    if (err instanceof StaleRead) return false;
    throw err;
  }
}
