// The JSON a webhook receives for one coalesced batch: the same changes an
// email alert lists, minus the recipient's own, in machine form.
import type { ItemChange } from '../alerts/change-summary.ts';
import type { BatchDetails, CollectionInfo } from '../alerts/composer.ts';

export function webhookPayload(c: CollectionInfo, userId: bigint, changes: ItemChange[], d: BatchDetails, now: Date): string {
  return JSON.stringify({
    type: 'collection.changed',
    collection: { id: String(c.id), name: c.name },
    recipient: { userId: String(userId) },
    changes: changes.map((ch) => {
      const item = ch.change === 'removed' ? undefined : d.items.get(ch.uid);
      const before = d.snapshots.get(ch.uid);
      return {
        uid: ch.uid,
        change: ch.change,
        fields: ch.fields,
        summary: item?.summary ?? before?.summary ?? null,
        start: (item?.startUtc ?? before?.startUtc ?? null)?.toISOString() ?? null,
        location: item?.location ?? before?.location ?? null,
        by: ch.by.map((b) => ({ userId: b.userId === null ? null : String(b.userId), name: b.userId === null ? null : (d.actors.get(b.userId) ?? null), origin: b.origin })),
        at: ch.lastAt.toISOString(),
      };
    }),
    createdAt: now.toISOString(),
  });
}
