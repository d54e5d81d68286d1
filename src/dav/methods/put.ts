// PUT of a calendar object resource (RFC 4791 5.3.2) through the domain's one
// write path. Only text/calendar is accepted (415 otherwise); If-Match and
// If-None-Match: * are checked by the domain under the collection lock, so a
// stale write is 412 and changes nothing. The text is stored exactly as sent
// (Windows TZIDs included), and the answer carries its ETag; only when a TZID
// lacked its VTIMEZONE does the domain add it (domain/vtimezones.ts), and then
// the answer has no ETag, which tells the client to read the resource back
// (RFC 4791 5.3.4). Preconditions come back as DAV:error bodies (errors.ts).
import { decodeCalendarBytes } from '../../domain/calendar-limits.ts';
import { Conflict } from '../../domain/errors.ts';
import { getItemByUid, putItem } from '../../domain/items.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { etagList, ifMatchValue, noneMatch, quoteEtag } from '../etags.ts';
import { hrefs } from '../paths.ts';
import { el } from '../xml/multistatus.ts';
import { CALDAV, DAV } from '../xml/names.ts';
import { notAllowed } from './allow.ts';

/** Media types a client may label iCalendar with; absent is taken as iCalendar too (curl, some scripts). */
function isCalendarType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === 'text/calendar';
}

export async function put(ctx: DavContext): Promise<void> {
  const r = ctx.resource;
  // Another user's path, or a calendar that does not exist: 404, never a hint that it exists.
  if (!r) throw new DavError(404, 'no such calendar');
  if (r.kind !== 'item') throw notAllowed(r, 'PUT');
  if (!isCalendarType(ctx.header('content-type'))) {
    throw new DavError(415, 'only text/calendar can be stored here', el(CALDAV, 'supported-calendar-data'));
  }
  const current = r.item?.etag ?? null;
  const ifNoneMatch = etagList(ctx.header('if-none-match'));
  // If-None-Match with tags (not "*") on a PUT: refuse when the current one is listed.
  if (ifNoneMatch && !ifNoneMatch.includes('*') && noneMatch(ctx.header('if-none-match'), current)) {
    throw new DavError(412, 'the resource matches If-None-Match');
  }
  try {
    const result = await putItem(ctx.store, {
      actorUserId: ctx.user.id,
      collectionId: r.collection.id,
      // Invalid UTF-8 is refused, not stored as replacement characters.
      icalendar: decodeCalendarBytes(ctx.body),
      origin: 'caldav',
      resourceName: r.resourceName,
      ifMatch: ifMatchValue(ctx.header('if-match'), current),
      ifNoneMatch: ifNoneMatch?.includes('*') ?? false,
    });
    ctx.res
      .status(result.created ? 201 : 204)
      .set(result.rewritten ? { 'Content-Length': '0' } : { ETag: quoteEtag(result.etag), 'Content-Length': '0' })
      .end();
  } catch (err) {
    if (err instanceof Conflict && err.reason === 'no-uid-conflict') throw await uidConflict(ctx, r.collection.id, r.href.slice(0, r.href.lastIndexOf('/') + 1), err);
    throw err;
  }
}

/** RFC 4791 5.3.2.1: no-uid-conflict names the resource that already holds the UID. */
async function uidConflict(ctx: DavContext, collectionId: bigint, collectionHref: string, err: Conflict): Promise<DavError> {
  const uid = /^UID:(.*)$/m.exec(ctx.body.toString('utf8').replace(/\r\n[ \t]/g, ''))?.[1]?.trim();
  const holder = uid ? await getItemByUid(ctx.store, ctx.user.id, collectionId, uid) : null;
  const condition = holder ? el(CALDAV, 'no-uid-conflict', el(DAV, 'href', hrefs.item(collectionHref, holder.resourceName))) : el(CALDAV, 'no-uid-conflict');
  return new DavError(409, err.message, condition);
}
