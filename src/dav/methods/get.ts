// GET (and HEAD, head.ts) of an item: its text exactly as stored, with a
// strong quoted ETag and Last-Modified on every answer, and 304 for a
// matching If-None-Match. GET of a collection returns the whole calendar as
// one iCalendar file; the home and the containers say what they are.
import { createHash } from 'node:crypto';
import { joinCalendarObjects } from '../../domain/calendar-export.ts';
import { storeEpoch } from '../../domain/changes.ts';
import { itemsByResourceName } from '../../domain/item-reads.ts';
import { listItems } from '../../domain/items.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { noneMatch, quoteEtag } from '../etags.ts';
import { hrefs } from '../paths.ts';

const CALENDAR = 'text/calendar; charset=utf-8';

export async function get(ctx: DavContext): Promise<void> {
  const r = ctx.existing();
  if (r.kind === 'item') {
    const [item] = await itemsByResourceName(ctx.store, ctx.user.id, r.collection.id, [r.resourceName]);
    if (!item) throw new DavError(404, 'no such item');
    const headers = { ETag: quoteEtag(item.etag), 'Last-Modified': item.updatedAt.toUTCString() };
    if (noneMatch(ctx.header('if-none-match'), item.etag)) {
      ctx.res.status(304).set(headers).end();
      return;
    }
    ctx.send(200, item.icalendar, `${CALENDAR}; component=${item.kind}`, headers);
    return;
  }
  if (r.kind === 'collection') {
    const tag = createHash('sha256').update(`${await storeEpoch(ctx.store)}-${r.collection.changePosition}-${r.collection.name}`).digest('base64url').slice(0, 32);
    if (noneMatch(ctx.header('if-none-match'), tag)) {
      ctx.res.status(304).set({ ETag: quoteEtag(tag) }).end();
      return;
    }
    const items = await listItems(ctx.store, ctx.user.id, r.collection.id);
    ctx.send(200, joinCalendarObjects(items.map((i) => i.icalendar), r.collection.name), CALENDAR, { ETag: quoteEtag(tag) });
    return;
  }
  const text = `Tidings CalDAV. Point a calendar client at this server's address; your calendars are under ${hrefs.home(ctx.user.email)}\n`;
  ctx.send(200, text, 'text/plain; charset=utf-8');
}
