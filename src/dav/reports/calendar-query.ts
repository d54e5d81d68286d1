// CALDAV:calendar-query (RFC 4791 7.8). Candidates come from the store's
// indexed UTC bounds when the filter has a time range on the item's
// component (itemsInRange), else every item; each candidate is then judged
// exactly by filters/match.ts, recurrences expanded with ical.js.
import { itemsInRange, listItems, type Item } from '../../domain/items.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { parseFilter, type CompFilter } from '../filters/parse.ts';
import { calendarMatches } from '../filters/match.ts';
import { Multistatus } from '../xml/multistatus.ts';
import { CALDAV } from '../xml/names.ts';
import { child, type XmlElement } from '../xml/parse.ts';
import { ItemResponder, itemPropRequest } from './responses.ts';

const FAR_PAST = new Date(-8.64e15);
const FAR_FUTURE = new Date(8.64e15);

/** The indexed window to fetch: the time range of the item-level comp-filter, if every branch has one. */
function indexWindow(filter: CompFilter): { start: Date; end: Date } | null {
  const kids = filter.compFilters;
  if (kids.length === 0 || kids.some((k) => !k.timeRange || k.isNotDefined)) return null;
  // VTODOs and VJOURNALs may match through COMPLETED/CREATED, which the index does not hold.
  if (kids.some((k) => k.name !== 'VEVENT')) return null;
  const starts = kids.map((k) => k.timeRange!.start?.getTime() ?? FAR_PAST.getTime());
  const ends = kids.map((k) => k.timeRange!.end?.getTime() ?? FAR_FUTURE.getTime());
  return { start: new Date(Math.min(...starts)), end: new Date(Math.max(...ends)) };
}

export async function calendarQuery(ctx: DavContext, body: XmlElement): Promise<void> {
  const r = ctx.existing();
  if (r.kind !== 'collection' && r.kind !== 'item') throw new DavError(403, 'calendar-query is answered on a calendar collection');
  const filter = parseFilter(child(body, CALDAV, 'filter'));
  const collectionHref = r.kind === 'item' ? r.href.slice(0, r.href.lastIndexOf('/') + 1) : r.href;
  const window = indexWindow(filter);
  let candidates: Item[] = window
    ? await itemsInRange(ctx.store, ctx.user.id, r.collection.id, window.start, window.end)
    : await listItems(ctx.store, ctx.user.id, r.collection.id);
  if (r.kind === 'item') candidates = candidates.filter((i) => i.resourceName === r.resourceName);

  const responder = new ItemResponder(ctx, r.collection, collectionHref, itemPropRequest(body));
  const ms = new Multistatus();
  for (const item of candidates) {
    if (calendarMatches(item.icalendar, filter, r.collection.timeZone)) await responder.add(ms, item);
  }
  ctx.multistatus(ms.toString());
}
