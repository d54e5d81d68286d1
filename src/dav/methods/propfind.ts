// PROPFIND (RFC 4918 9.1) with Depth 0 or 1; Depth infinity is refused with
// DAV:propfind-finite-depth, as RFC 4918 allows. An empty body means allprop.
import { listCollections } from '../../domain/collections.ts';
import { listItemSummaries } from '../../domain/item-reads.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { hrefs } from '../paths.ts';
import { PropContext } from '../props/context.ts';
import { propstatsFor, type PropName, type PropRequest } from '../props/index.ts';
import { collectionHref, type Resource } from '../resolve.ts';
import { el, Multistatus } from '../xml/multistatus.ts';
import { DAV } from '../xml/names.ts';
import { child, elements, expectRoot, type XmlElement } from '../xml/parse.ts';

export function propNames(prop: XmlElement | undefined): PropName[] {
  return prop ? elements(prop).map((p) => ({ ns: p.ns, name: p.name })) : [];
}

export function parsePropfind(body: XmlElement | null): PropRequest {
  if (!body) return { kind: 'allprop', include: [] };
  expectRoot(body, DAV, 'propfind');
  if (child(body, DAV, 'propname')) return { kind: 'propname' };
  if (child(body, DAV, 'allprop')) return { kind: 'allprop', include: propNames(child(body, DAV, 'include')) };
  const prop = child(body, DAV, 'prop');
  if (!prop) throw new DavError(400, 'a propfind body needs prop, allprop or propname');
  return { kind: 'prop', names: propNames(prop) };
}

/** The members of a collection-like resource, as the user sees them. */
async function members(ctx: DavContext, r: Resource): Promise<Resource[]> {
  const user = ctx.user;
  switch (r.kind) {
    case 'root':
      // The server root's one DAV member is the DAV root itself.
      if (r.href === hrefs.serverRoot) return [{ kind: 'root', href: hrefs.root }];
      return [
        { kind: 'principals', href: hrefs.principals },
        { kind: 'calendars', href: hrefs.calendars },
      ];
    case 'principals':
      return [{ kind: 'principal', href: hrefs.principal(user.email), user }];
    case 'calendars':
      return [{ kind: 'home', href: hrefs.home(user.email), user }];
    case 'home':
      return (await listCollections(ctx.store, user.id)).map((collection) => ({ kind: 'collection', href: collectionHref(user, collection), collection }));
    case 'collection':
      return (await listItemSummaries(ctx.store, user.id, r.collection.id)).map((item) => ({
        kind: 'item',
        href: hrefs.item(r.href, item.resourceName),
        collection: r.collection,
        resourceName: item.resourceName,
        item,
      }));
    default:
      return [];
  }
}

export async function propfind(ctx: DavContext): Promise<void> {
  const r = ctx.existing();
  const depth = ctx.depth('infinity');
  if (depth === 'infinity') throw new DavError(403, 'Depth: infinity is not supported; use 0 or 1', el(DAV, 'propfind-finite-depth'));
  const request = parsePropfind(ctx.xmlBody());
  const pc = new PropContext(ctx.store, ctx.user);
  const ms = new Multistatus();
  ms.propstats(r.href, await propstatsFor(r, request, pc));
  if (depth === '1') {
    for (const m of await members(ctx, r)) ms.propstats(m.href, await propstatsFor(m, request, pc));
  }
  ctx.multistatus(ms.toString());
}
