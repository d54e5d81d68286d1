// What an alert says about each item: its title, time and place now, and as
// they were at the previous alert (alert_item_snapshots: the change log keeps
// only tombstones, so a removed item's title lives on there).
import ICAL from 'ical.js';
import { placeholders, type SqlRunner } from '../../store/sql.ts';

export interface ItemDetails {
  uid: string;
  resourceName: string;
  summary: string;
  startUtc: Date | null;
  endUtc: Date | null;
  allDay: boolean;
  location: string;
  status: string;
  icalendar: string;
}

export interface ItemSnapshot {
  summary: string;
  startUtc: Date | null;
  location: string;
}

/** Title, place, status and whether it is all-day, read from the master component. */
export function describeCalendarObject(text: string): { location: string; status: string; allDay: boolean; description: string } {
  try {
    const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    const c = cal.getAllSubcomponents().find((s) => s.name !== 'vtimezone' && !s.hasProperty('recurrence-id')) ?? cal.getAllSubcomponents()[0];
    if (!c) return { location: '', status: '', allDay: false, description: '' };
    const start = c.getFirstPropertyValue('dtstart');
    return {
      location: String(c.getFirstPropertyValue('location') ?? ''),
      status: String(c.getFirstPropertyValue('status') ?? '').toUpperCase(),
      allDay: start instanceof ICAL.Time ? start.isDate : false,
      description: String(c.getFirstPropertyValue('description') ?? ''),
    };
  } catch {
    // Stored items were validated on write; this only guards an alert from a surprise.
    return { location: '', status: '', allDay: false, description: '' };
  }
}

export async function loadItemDetails(sql: SqlRunner, collectionId: bigint, uids: string[]): Promise<Map<string, ItemDetails>> {
  const out = new Map<string, ItemDetails>();
  for (let i = 0; i < uids.length; i += 500) {
    const slice = uids.slice(i, i + 500);
    const rows = await sql.rows<Record<string, unknown>>(
      `SELECT uid, resourceName, summary, startUtc, endUtc, icalendar FROM items WHERE collectionId = ? AND uid IN (${placeholders(slice.length)})`,
      [collectionId, ...slice],
    );
    for (const r of rows) {
      const icalendar = r.icalendar as string;
      const d = describeCalendarObject(icalendar);
      out.set(r.uid as string, {
        uid: r.uid as string,
        resourceName: r.resourceName as string,
        summary: r.summary as string,
        startUtc: (r.startUtc as Date | null) ?? null,
        endUtc: (r.endUtc as Date | null) ?? null,
        allDay: d.allDay,
        location: d.location,
        status: d.status,
        icalendar,
      });
    }
  }
  return out;
}

export async function loadSnapshots(sql: SqlRunner, collectionId: bigint, uids: string[]): Promise<Map<string, ItemSnapshot>> {
  const out = new Map<string, ItemSnapshot>();
  for (let i = 0; i < uids.length; i += 500) {
    const slice = uids.slice(i, i + 500);
    const rows = await sql.rows<Record<string, unknown>>(
      `SELECT uid, summary, startUtc, location FROM alert_item_snapshots WHERE collectionId = ? AND uid IN (${placeholders(slice.length)})`,
      [collectionId, ...slice],
    );
    for (const r of rows) out.set(r.uid as string, { summary: r.summary as string, startUtc: (r.startUtc as Date | null) ?? null, location: r.location as string });
  }
  return out;
}

/** Records how the batch's items look now: the "before" of the next alert. */
export async function saveSnapshots(sql: SqlRunner, collectionId: bigint, present: ItemDetails[], removed: string[], now: Date): Promise<void> {
  for (let i = 0; i < present.length; i += 500) {
    const slice = present.slice(i, i + 500);
    await sql.run(
      `INSERT INTO alert_item_snapshots (collectionId, uid, summary, startUtc, location, deletedAt, updatedAt) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, NULL, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE summary = VALUES(summary), startUtc = VALUES(startUtc), location = VALUES(location), deletedAt = NULL, updatedAt = VALUES(updatedAt)`,
      slice.flatMap((d) => [collectionId, d.uid, d.summary.slice(0, 255), d.startUtc, d.location.slice(0, 255), now]),
    );
  }
  for (let i = 0; i < removed.length; i += 500) {
    const slice = removed.slice(i, i + 500);
    await sql.run(`UPDATE alert_item_snapshots SET deletedAt = ?, updatedAt = ? WHERE collectionId = ? AND uid IN (${placeholders(slice.length)})`, [now, now, collectionId, ...slice]);
  }
}

/** Forgets removed items' snapshots once no digest can still mention them. */
export async function purgeRemovedSnapshots(sql: SqlRunner, before: Date): Promise<number> {
  return sql.run('DELETE FROM alert_item_snapshots WHERE deletedAt IS NOT NULL AND deletedAt < ? LIMIT 5000', [before]);
}

/** Display names of the users who made a batch's changes. */
export async function actorNames(sql: SqlRunner, ids: bigint[]): Promise<Map<bigint, string>> {
  const out = new Map<bigint, string>();
  if (ids.length === 0) return out;
  const rows = await sql.rows<{ id: string; email: string; displayName: string }>(`SELECT id, email, displayName FROM users WHERE id IN (${placeholders(ids.length)})`, ids);
  for (const r of rows) out.set(BigInt(r.id), r.displayName || r.email);
  return out;
}
