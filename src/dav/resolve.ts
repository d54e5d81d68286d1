// Maps a request path to the resource it names, as the authenticated user
// sees it. Anything the user may not see resolves to null (404): another
// user's principal or home, a collection they are not a member of.
import { ownCollectionBySlug, sharedCollection } from '../domain/collection-lookup.ts';
import type { CollectionWithRole } from '../domain/collections.ts';
import type { AuthenticatedUser } from '../domain/auth/credentials.ts';
import { itemsByResourceName, type ItemSummary } from '../domain/item-reads.ts';
import type { Store } from '../store/index.ts';
import { davSegments, hrefs, sharedMountId } from './paths.ts';

export type DavUser = Pick<AuthenticatedUser, 'id' | 'email' | 'method'>;

export type Resource =
  | { kind: 'root'; href: string }
  | { kind: 'principals'; href: string }
  | { kind: 'calendars'; href: string }
  | { kind: 'principal'; href: string; user: DavUser }
  | { kind: 'home'; href: string; user: DavUser }
  | { kind: 'collection'; href: string; collection: CollectionWithRole }
  /** A free name in the user's own home: where MKCALENDAR may create. */
  | { kind: 'new-collection'; href: string; slug: string }
  /** An item; `item` is null for a free name in the collection (a PUT may create it). */
  | { kind: 'item'; href: string; collection: CollectionWithRole; resourceName: string; item: ItemSummary | null };

export type ResourceKind = Resource['kind'];

/** The collection at a segment of the user's home, with its href. */
export async function collectionAt(store: Store, user: DavUser, segment: string): Promise<{ collection: CollectionWithRole; href: string } | null> {
  const sharedId = sharedMountId(segment);
  if (sharedId !== null) {
    const collection = await sharedCollection(store, user.id, sharedId);
    return collection ? { collection, href: hrefs.sharedCollection(user.email, sharedId) } : null;
  }
  const collection = await ownCollectionBySlug(store, user.id, segment);
  return collection ? { collection, href: hrefs.ownCollection(user.email, segment) } : null;
}

/** The href of a collection as `user` sees it: their own, or mounted in their home. */
export function collectionHref(user: DavUser, collection: { id: bigint; ownerId: bigint; slug: string }): string {
  return collection.ownerId === user.id ? hrefs.ownCollection(user.email, collection.slug) : hrefs.sharedCollection(user.email, collection.id);
}

export async function resolve(store: Store, user: DavUser, href: string): Promise<Resource | null> {
  // The bare server address is the DAV root under its own href: clients given
  // it PROPFIND it for current-user-principal (RFC 6764 6) and look for the
  // answer under the URL they asked (python3-caldav); a redirect would lose
  // the body on the way (python-requests on a 301).
  if (href === hrefs.serverRoot) return { kind: 'root', href: hrefs.serverRoot };
  const segments = davSegments(href);
  if (!segments) return null;
  const [area, owner, segment, name, ...rest] = segments;
  if (area === undefined) return { kind: 'root', href: hrefs.root };
  if (area !== 'principals' && area !== 'calendars') return null;
  if (owner === undefined) return { kind: area, href: area === 'principals' ? hrefs.principals : hrefs.calendars };
  if (owner.toLowerCase() !== user.email) return null;
  if (area === 'principals') return segment === undefined ? { kind: 'principal', href: hrefs.principal(user.email), user } : null;
  if (segment === undefined) return { kind: 'home', href: hrefs.home(user.email), user };
  if (rest.length > 0) return null;
  const found = await collectionAt(store, user, segment);
  if (!found) {
    if (name !== undefined || sharedMountId(segment) !== null) return null;
    return { kind: 'new-collection', href: hrefs.ownCollection(user.email, segment), slug: segment };
  }
  if (name === undefined) return { kind: 'collection', href: found.href, collection: found.collection };
  const [item] = await itemsByResourceName(store, user.id, found.collection.id, [name], false);
  return { kind: 'item', href: hrefs.item(found.href, name), collection: found.collection, resourceName: name, item: item ?? null };
}
