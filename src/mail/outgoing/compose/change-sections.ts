// Turns summarised changes into what the alert and digest templates list:
// sections (added, changed, removed) of items with their title, time, place,
// what changed (before → after, in the reader's time zone) and by whom.
import type { ItemChange } from '../../../domain/alerts/change-summary.ts';
import type { BatchDetails } from '../../../domain/alerts/composer.ts';
import type { ItemDetails, ItemSnapshot } from '../../../domain/alerts/item-details.ts';
import type { TrackedField } from '../../../domain/icalendar.ts';
import { ORIGIN_WORDS, formatWhen, listWords, plural } from './format.ts';
import { itemUrl, type AlertMailSettings } from '../headers.ts';

export interface ChangeViewContext extends BatchDetails {
  settings: AlertMailSettings;
  collectionId: bigint;
  collectionTimeZone: string;
  readerTimeZone: string;
}

export interface ItemView {
  title: string;
  when: string;
  location: string;
  url: string | null;
  details: string[];
  by: string;
  marker: string;
  itemStyle: string;
}

export interface SectionView {
  heading: string;
  items: ItemView[];
}

const STATUS_WORDS: Record<string, string> = { CANCELLED: 'cancelled', CONFIRMED: 'confirmed', TENTATIVE: 'tentative', COMPLETED: 'completed', 'NEEDS-ACTION': 'to do', 'IN-PROCESS': 'in progress' };

function detail(field: TrackedField, ctx: ChangeViewContext, now: ItemDetails | undefined, before: ItemSnapshot | undefined): string {
  const when = (d: Date | null) => formatWhen(d, ctx.readerTimeZone, now?.allDay ?? false, ctx.collectionTimeZone);
  switch (field) {
    case 'summary':
      return before ? `title: “${before.summary}” → “${now?.summary ?? ''}”` : `title: “${now?.summary ?? ''}”`;
    case 'start':
      return before?.startUtc ? `time: ${when(before.startUtc)} → ${when(now?.startUtc ?? null)}` : `time: ${when(now?.startUtc ?? null)}`;
    case 'end':
      return 'end time changed';
    case 'location':
      return before?.location ? `place: ${before.location} → ${now?.location || '(none)'}` : `place: ${now?.location || '(none)'}`;
    case 'description':
      return 'description changed';
    case 'recurrence':
      return 'repeat rule changed';
    case 'status':
      return `status: ${STATUS_WORDS[now?.status ?? ''] ?? (now?.status.toLowerCase() || 'none')}`;
  }
}

/**
 * Who changed the item and how, after the templates' "by": each person once,
 * with every channel they used, in order of first appearance ("Ann Example
 * via email and the web; Ben via the API"). An actor without a name (none
 * recorded, or the account is gone) is "someone".
 */
function byWhom(change: ItemChange, actors: Map<bigint, string>): string {
  const people = new Map<string, string[]>();
  for (const b of change.by) {
    const name = (b.userId === null ? undefined : actors.get(b.userId)) ?? 'someone';
    const channels = people.get(name) ?? [];
    const how = ORIGIN_WORDS[b.origin];
    if (how && !channels.includes(how)) channels.push(how);
    people.set(name, channels);
  }
  const each = [...people].map(([name, channels]) => (channels.length > 0 ? `${name} via ${listWords(channels)}` : name));
  // "and" inside one person's channels would blur with "and" between people.
  return [...people.values()].some((c) => c.length > 1) ? each.join('; ') : listWords(each);
}

function itemView(change: ItemChange, ctx: ChangeViewContext, style: Record<string, string> | null): ItemView {
  const now = ctx.items.get(change.uid);
  const before = ctx.snapshots.get(change.uid);
  const removed = change.change === 'removed';
  const title = (removed ? before?.summary : now?.summary) || (removed ? '(an item whose title was not recorded)' : '(untitled)');
  const start = removed ? (before?.startUtc ?? null) : (now?.startUtc ?? null);
  return {
    title,
    when: formatWhen(start, ctx.readerTimeZone, now?.allDay ?? false, ctx.collectionTimeZone),
    location: removed ? (before?.location ?? '') : (now?.location ?? ''),
    url: removed || !now ? null : itemUrl(ctx.settings, ctx.collectionId, now.resourceName),
    details: change.change === 'changed' ? change.fields.map((f) => detail(f, ctx, now, before)) : [],
    by: byWhom(change, ctx.actors),
    marker: { added: '+', changed: '~', removed: '-' }[change.change],
    itemStyle: style?.[change.change] ?? '',
  };
}

/** `style`: the templates' inline style rules (an item's left border shows added, changed or removed). */
export function changeSections(changes: ItemChange[], ctx: ChangeViewContext, style: Record<string, string> | null): SectionView[] {
  const sections: SectionView[] = [];
  for (const [kind, heading] of [['added', 'Added'], ['changed', 'Changed'], ['removed', 'Removed']] as const) {
    const items = changes.filter((c) => c.change === kind).map((c) => itemView(c, ctx, style));
    if (items.length > 0) sections.push({ heading, items });
  }
  return sections;
}

/** The subject's gist: one item by name, several by count. */
export function headline(changes: ItemChange[], ctx: Pick<ChangeViewContext, 'items' | 'snapshots'>): string {
  if (changes.length === 1) {
    const c = changes[0]!;
    const title = (c.change === 'removed' ? ctx.snapshots.get(c.uid)?.summary : ctx.items.get(c.uid)?.summary) || 'an item';
    const what = c.change === 'changed' && c.fields.length > 0 ? ` (${c.fields.map((f) => FIELD_WORDS[f]).join(', ')})` : '';
    return `“${title}” ${c.change}${what}`;
  }
  const counts = (['added', 'changed', 'removed'] as const).map((k) => [k, changes.filter((c) => c.change === k).length] as const).filter(([, n]) => n > 0);
  return `${plural(changes.length, 'change')} (${counts.map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

const FIELD_WORDS: Record<TrackedField, string> = {
  summary: 'title',
  start: 'time',
  end: 'end',
  location: 'place',
  description: 'description',
  recurrence: 'repeat',
  status: 'status',
};
