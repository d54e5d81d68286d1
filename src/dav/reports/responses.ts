// The per-item responses shared by calendar-multiget, calendar-query and
// sync-collection: the requested properties of each item, calendar-data
// among them, every one carrying its ETag when asked (clients rely on it).
import type { ItemText } from '../../domain/item-reads.ts';
import type { DavContext } from '../context.ts';
import { hrefs } from '../paths.ts';
import { PropContext } from '../props/context.ts';
import { propstatsFor, type PropName } from '../props/index.ts';
import type { CollectionWithRole } from '../../domain/collections.ts';
import type { Multistatus, PropStat } from '../xml/multistatus.ts';
import { CALDAV, DAV } from '../xml/names.ts';
import { child, elements, type XmlElement } from '../xml/parse.ts';
import { calendarData, parseCalendarDataRequest, type CalendarDataRequest } from './calendar-data.ts';

export interface ItemPropRequest {
  names: PropName[];
  calendarData: CalendarDataRequest | null;
}

/** The <prop> of a report body; no <prop> (or allprop) means getetag and calendar-data. */
export function itemPropRequest(body: XmlElement): ItemPropRequest {
  const prop = child(body, DAV, 'prop');
  if (!prop) return { names: [{ ns: DAV, name: 'getetag' }], calendarData: { expand: null } };
  let data: CalendarDataRequest | null = null;
  const names: PropName[] = [];
  for (const p of elements(prop)) {
    if (p.ns === CALDAV && p.name === 'calendar-data') data = parseCalendarDataRequest(p);
    else names.push({ ns: p.ns, name: p.name });
  }
  return { names, calendarData: data };
}

export class ItemResponder {
  private readonly pc: PropContext;

  constructor(
    private readonly ctx: DavContext,
    private readonly collection: CollectionWithRole,
    private readonly collectionHref: string,
    private readonly request: ItemPropRequest,
  ) {
    this.pc = new PropContext(ctx.store, ctx.user);
  }

  get wantsText(): boolean {
    return this.request.calendarData !== null;
  }

  hrefOf(resourceName: string): string {
    return hrefs.item(this.collectionHref, resourceName);
  }

  async add(ms: Multistatus, item: ItemText): Promise<void> {
    const href = this.hrefOf(item.resourceName);
    const resource = { kind: 'item' as const, href, collection: this.collection, resourceName: item.resourceName, item };
    const props: PropStat[] = await propstatsFor(resource, { kind: 'prop', names: this.request.names }, this.pc);
    if (this.request.calendarData) {
      props.push({ ns: CALDAV, name: 'calendar-data', status: 200, value: calendarData(item.icalendar, item.kind, this.collection.timeZone, this.request.calendarData) });
    }
    ms.propstats(href, props);
  }
}
