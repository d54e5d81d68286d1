// CALDAV:calendar-multiget (RFC 4791 7.9): the named items of the request's
// collection in one round trip, read with one query. An href that names
// nothing here is a 404 response of its own.
import { itemsByResourceName } from '../../domain/item-reads.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { davSegments } from '../paths.ts';
import { Multistatus } from '../xml/multistatus.ts';
import { DAV } from '../xml/names.ts';
import { childrenNamed, textOf, type XmlElement } from '../xml/parse.ts';
import { ItemResponder, itemPropRequest } from './responses.ts';

export const MAX_MULTIGET_HREFS = 5_000;

export async function calendarMultiget(ctx: DavContext, body: XmlElement): Promise<void> {
  const r = ctx.existing();
  if (r.kind !== 'collection' && r.kind !== 'item') throw new DavError(403, 'calendar-multiget is answered on a calendar collection');
  const collectionHref = r.kind === 'item' ? r.href.slice(0, r.href.lastIndexOf('/') + 1) : r.href;
  const base = davSegments(collectionHref)!;
  const hrefs = childrenNamed(body, DAV, 'href').map((h) => textOf(h).trim());
  if (hrefs.length === 0) throw new DavError(400, 'calendar-multiget needs at least one href');
  if (hrefs.length > MAX_MULTIGET_HREFS) throw new DavError(403, `at most ${MAX_MULTIGET_HREFS} hrefs per multiget`, { ns: DAV, name: 'number-of-matches-within-limits', attrs: {}, children: [] });

  // Each href's resource name when it names a member of this collection.
  const names = hrefs.map((href) => {
    const segments = davSegments(href);
    if (!segments || segments.length !== base.length + 1 || segments.slice(0, base.length).some((s, i) => s !== base[i])) return null;
    return segments[base.length]!;
  });
  const responder = new ItemResponder(ctx, r.collection, collectionHref, itemPropRequest(body));
  const found = await itemsByResourceName(ctx.store, ctx.user.id, r.collection.id, names.filter((n): n is string => n !== null), responder.wantsText);
  const byName = new Map(found.map((i) => [i.resourceName, i]));
  const ms = new Multistatus();
  for (let i = 0; i < hrefs.length; i++) {
    const item = names[i] === null ? undefined : byName.get(names[i]!);
    if (item) await responder.add(ms, item);
    else ms.status(hrefs[i]!, 404);
  }
  ctx.multistatus(ms.toString());
}
