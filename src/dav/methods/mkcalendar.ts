// MKCALENDAR (RFC 4791 5.3.1): a new calendar in the user's home; the body
// may set its name, description, colour, time zone and
// supported-calendar-component-set (so a VTODO-only list stays a task list).
import type { DavContext } from '../context.ts';
import { CALDAV } from '../xml/names.ts';
import { expectRoot } from '../xml/parse.ts';
import { createCalendar, propsToSet } from './create-collection.ts';

export async function mkcalendar(ctx: DavContext): Promise<void> {
  const body = ctx.xmlBody();
  if (body) expectRoot(body, CALDAV, 'mkcalendar');
  await createCalendar(ctx, propsToSet(body));
}
