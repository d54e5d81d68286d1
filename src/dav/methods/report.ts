// REPORT (RFC 3253 3.6): dispatches on the body's root element to reports/.
import type { DavContext } from '../context.ts';
import { DavError } from '../errors.ts';
import { REPORTS } from '../reports/index.ts';
import { el } from '../xml/multistatus.ts';
import { DAV, clark } from '../xml/names.ts';

export async function report(ctx: DavContext): Promise<void> {
  const body = ctx.xmlBody();
  if (!body) throw new DavError(400, 'REPORT needs a body naming the report');
  const handler = REPORTS.get(clark(body.ns, body.name));
  if (!handler) throw new DavError(403, `the {${body.ns}}${body.name} report is not supported`, el(DAV, 'supported-report'));
  await handler(ctx, body);
}
