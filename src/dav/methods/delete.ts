// DELETE of an item (with If-Match) or of a whole collection (its owner only;
// items, change log and feeds go with it, and the quota is freed).
import { deleteCollection } from '../../domain/collections.ts';
import { dropCollectionDeadProperties } from '../../domain/dead-properties.ts';
import { deleteItem } from '../../domain/items.ts';
import type { DavContext } from '../context.ts';
import { ifMatchValue } from '../etags.ts';
import { notAllowed } from './allow.ts';

export async function del(ctx: DavContext): Promise<void> {
  const r = ctx.existing();
  if (r.kind === 'item') {
    await deleteItem(ctx.store, {
      actorUserId: ctx.user.id,
      collectionId: r.collection.id,
      resourceName: r.resourceName,
      origin: 'caldav',
      ifMatch: ifMatchValue(ctx.header('if-match'), r.item?.etag ?? null),
    });
  } else if (r.kind === 'collection') {
    await deleteCollection(ctx.store, ctx.user.id, r.collection.id, { actorUserId: ctx.user.id, channel: 'caldav' });
    await dropCollectionDeadProperties(ctx.store, r.collection.id);
  } else {
    throw notAllowed(r, 'DELETE');
  }
  ctx.res.status(204).end();
}
