// Extended MKCOL (RFC 5689): used by clients (e.g. DAVx5) instead of
// MKCALENDAR; its resourcetype must say calendar, as Tidings stores only
// calendar collections. A plain MKCOL (no body) is refused the same way.
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { el } from '../xml/multistatus.ts';
import { DAV } from '../xml/names.ts';
import { expectRoot } from '../xml/parse.ts';
import { createCalendar, propsToSet } from './create-collection.ts';

export async function mkcol(ctx: DavContext): Promise<void> {
  const body = ctx.xmlBody();
  if (!body) throw new DavError(403, 'only calendar collections can be created here (send an extended MKCOL body)', el(DAV, 'valid-resourcetype'));
  expectRoot(body, DAV, 'mkcol');
  const props = propsToSet(body);
  if (!props.some((p) => p.ns === DAV && p.name === 'resourcetype')) {
    throw new DavError(403, 'only calendar collections can be created here', el(DAV, 'valid-resourcetype'));
  }
  await createCalendar(ctx, props);
}
