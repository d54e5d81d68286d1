// What MKCALENDAR (RFC 4791 5.3.1) and extended MKCOL (RFC 5689) share:
// creating a calendar collection in the user's own home, with the
// properties of the request body; unmodelled ones become dead properties.
import { createCollection } from '../../domain/collections.ts';
import { patchDeadProperties } from '../../domain/dead-properties.ts';
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { PROPERTIES } from '../props/definitions.ts';
import { el } from '../xml/multistatus.ts';
import { CALDAV, DAV, clark } from '../xml/names.ts';
import { child, childrenNamed, elements, type XmlElement } from '../xml/parse.ts';
import { serializeElement } from '../xml/serialize.ts';
import { notAllowed } from './allow.ts';
import { fieldValue } from './collection-props.ts';

/** The properties inside <set><prop>…</prop></set> of a creation body. */
export function propsToSet(body: XmlElement | null): XmlElement[] {
  if (!body) return [];
  return childrenNamed(body, DAV, 'set').flatMap((set) => elements(child(set, DAV, 'prop') ?? set));
}

export async function createCalendar(ctx: DavContext, props: XmlElement[]): Promise<void> {
  const r = ctx.resource;
  if (!r) throw new DavError(404, 'a calendar can only be made directly in your calendar home');
  if (r.kind !== 'new-collection') throw notAllowed(r, ctx.method);
  const input: Parameters<typeof createCollection>[1] = { ownerId: ctx.user.id, slug: r.slug, name: r.slug };
  const dead: Array<{ namespace: string; name: string; value: string }> = [];
  for (const prop of props) {
    const key = clark(prop.ns, prop.name);
    if (key === clark(CALDAV, 'supported-calendar-component-set')) {
      input.components = childrenNamed(prop, CALDAV, 'comp').map((c) => (c.attrs.name ?? '').toUpperCase());
      continue;
    }
    if (key === clark(DAV, 'resourcetype')) {
      // Extended MKCOL names the type here (RFC 5689 3.3); only calendars can be made.
      if (!child(prop, CALDAV, 'calendar')) throw new DavError(403, 'only calendar collections can be created here', el(DAV, 'valid-resourcetype'));
      continue;
    }
    const def = PROPERTIES.get(key);
    if (def?.field) {
      const value = fieldValue(def.field, prop, r.slug);
      if (def.field === 'name') input.name = value ?? r.slug;
      else if (def.field === 'description') input.description = value ?? '';
      else if (def.field === 'color') input.color = value;
      else input.timeZone = value ?? 'UTC';
    } else if (def) {
      throw new DavError(403, `${prop.name} cannot be set`, el(DAV, 'cannot-modify-protected-property'));
    } else {
      dead.push({ namespace: prop.ns, name: prop.name, value: serializeElement(prop) });
    }
  }
  const collection = await createCollection(ctx.store, input, { actorUserId: ctx.user.id, channel: 'caldav' });
  if (dead.length > 0) await patchDeadProperties(ctx.store, ctx.user.id, { kind: 'collection', collectionId: collection.id }, dead);
  ctx.res.status(201).set({ Location: r.href, 'Content-Length': '0' }).end();
}
