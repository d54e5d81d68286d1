// DAV:sync-collection (RFC 6578) from the change log. An empty token is an
// initial sync (every member); a token lists what changed since, deletions
// as 404 members. The log is read on mysql2 through its (collection,
// position) index, so a no-change poll costs the same however large the
// collection or its history. A token that is not ours, from another store
// epoch (a restore) or ahead of the collection is DAV:valid-sync-token
// (domain InvalidInput, mapped in errors.ts): the client then syncs afresh.
import { changesSince } from '../../domain/changes.ts';
import { itemsByResourceName } from '../../domain/item-reads.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { Multistatus } from '../xml/multistatus.ts';
import { DAV } from '../xml/names.ts';
import { child, textOf, type XmlElement } from '../xml/parse.ts';
import { ItemResponder, itemPropRequest } from './responses.ts';

function parseLimit(body: XmlElement): number | undefined {
  const limit = child(child(body, DAV, 'limit'), DAV, 'nresults');
  if (!limit) return undefined;
  const n = Number(textOf(limit).trim());
  if (!Number.isInteger(n) || n < 1) throw new DavError(400, 'DAV:nresults must be a positive whole number');
  return n;
}

export async function syncCollection(ctx: DavContext, body: XmlElement): Promise<void> {
  const r = ctx.existing();
  if (r.kind !== 'collection') throw new DavError(403, 'sync-collection is answered on a calendar collection', { ns: DAV, name: 'supported-report', attrs: {}, children: [] });
  const level = textOf(child(body, DAV, 'sync-level')).trim() || '1';
  // Calendar collections hold no collections, so "infinite" reports the same members as 1.
  if (level !== '1' && level !== 'infinite') throw new DavError(400, `sync-level must be 1 or infinite, got "${level}"`);
  const token = textOf(child(body, DAV, 'sync-token')).trim();
  const changes = await changesSince(ctx.store, ctx.user.id, r.collection.id, token === '' ? null : token, parseLimit(body));

  const responder = new ItemResponder(ctx, r.collection, r.href, itemPropRequest(body));
  const present = changes.changes.filter((c) => !c.deleted).map((c) => c.resourceName);
  const items = present.length > 0 ? await itemsByResourceName(ctx.store, ctx.user.id, r.collection.id, present, responder.wantsText) : [];
  const byName = new Map(items.map((i) => [i.resourceName, i]));
  const ms = new Multistatus();
  for (const change of changes.changes) {
    const item = change.deleted ? undefined : byName.get(change.resourceName);
    // Deleted since the token (or between the log read and now): a 404 member (RFC 6578 3.5.1).
    if (item) await responder.add(ms, item);
    else ms.status(responder.hrefOf(change.resourceName), 404);
  }
  // RFC 6578 3.6: a truncated answer says so with a 507 for the request-URI.
  if (changes.truncated) ms.status(r.href, 507, { ns: DAV, name: 'number-of-matches-within-limits', attrs: {}, children: [] });
  ms.syncToken(changes.syncToken);
  ctx.multistatus(ms.toString());
}
