// COPY and MOVE of an item (RFC 4918 9.8, 9.9) to a name in any of the
// user's collections (their own or shared with write access), in one domain
// transaction. Collections themselves are not copied or moved.
import { transferItem } from '../../domain/item-transfer.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { ifMatchValue, quoteEtag } from '../etags.ts';
import { resolve } from '../resolve.ts';

export async function transfer(ctx: DavContext, move: boolean): Promise<void> {
  const r = ctx.existing();
  if (r.kind !== 'item') throw new DavError(403, `only items can be ${move ? 'moved' : 'copied'}`);
  const destination = ctx.header('destination');
  if (!destination) throw new DavError(400, 'a Destination header is required');
  const target = await resolve(ctx.store, ctx.user, destination);
  if (!target || target.kind !== 'item') throw new DavError(409, 'the destination must be an item name in one of your calendars');
  if (target.collection.id === r.collection.id && target.resourceName === r.resourceName) {
    throw new DavError(403, 'source and destination are the same resource');
  }
  const overwrite = (ctx.header('overwrite') ?? 'T').trim().toUpperCase() !== 'F';
  const result = await transferItem(ctx.store, {
    actorUserId: ctx.user.id,
    origin: 'caldav',
    move,
    from: { collectionId: r.collection.id, resourceName: r.resourceName, ifMatch: ifMatchValue(ctx.header('if-match'), r.item?.etag ?? null) },
    to: { collectionId: target.collection.id, resourceName: target.resourceName, overwrite },
  });
  ctx.res
    .status(result.replaced ? 204 : 201)
    .set({ ETag: quoteEtag(result.etag), 'Content-Length': '0' })
    .end();
}
