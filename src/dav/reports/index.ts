// The REPORTs Tidings answers, one module each, found by the body's root
// element. Any other report is 403 with DAV:supported-report (RFC 3253 3.6).
import type { DavContext } from '../context.ts';
import { CALDAV, DAV, clark } from '../xml/names.ts';
import type { XmlElement } from '../xml/parse.ts';
import { calendarMultiget } from './calendar-multiget.ts';
import { calendarQuery } from './calendar-query.ts';
import { freeBusyQuery } from './free-busy-query.ts';
import { syncCollection } from './sync-collection.ts';

export type ReportHandler = (ctx: DavContext, body: XmlElement) => Promise<void>;

export const REPORTS: ReadonlyMap<string, ReportHandler> = new Map([
  [clark(CALDAV, 'calendar-multiget'), calendarMultiget],
  [clark(CALDAV, 'calendar-query'), calendarQuery],
  [clark(DAV, 'sync-collection'), syncCollection],
  [clark(CALDAV, 'free-busy-query'), freeBusyQuery],
]);
