// The live properties Tidings serves, one table keyed by Clark name. Each
// says which resources carry it, whether allprop includes it (RFC 4918 9.1:
// not the expensive or RFC 3744/4331/6578 ones) and how to read it; the
// PROPPATCH-able ones name the collection field they change.
import { MAX_ITEM_BYTES } from '../../consts.ts';
import { formatSyncToken } from '../../domain/changes.ts';
import { hrefs } from '../paths.ts';
import type { Resource, ResourceKind } from '../resolve.ts';
import { el, type PropValue } from '../xml/multistatus.ts';
import { APPLE_ICAL, CALDAV, CALENDARSERVER, DAV, clark } from '../xml/names.ts';
import { valueOf, type PropContext } from './context.ts';
import { privilegeSet, privilegesFor } from './privileges.ts';
import { vtimezoneCalendar } from './vtimezone.ts';

export type CollectionField = 'name' | 'description' | 'color' | 'timeZone';

export interface PropertyDef {
  ns: string;
  name: string;
  on: ResourceKind[];
  /** Included in allprop everywhere (true), nowhere (false) or on the kinds listed. */
  allprop: boolean | ResourceKind[];
  get(r: Resource, pc: PropContext): PropValue | Promise<PropValue>;
  /** PROPPATCH-able on collections (by the owner); absent: protected. */
  field?: CollectionField;
}

const CONTAINERS: ResourceKind[] = ['root', 'principals', 'calendars'];
const ALL: ResourceKind[] = [...CONTAINERS, 'principal', 'home', 'collection', 'item'];

function collectionOf(r: Resource) {
  if (r.kind !== 'collection' && r.kind !== 'item') throw new Error(`${r.kind} has no collection`);
  return r.collection;
}

/** A sharee's own value (a dead property of theirs) overrides the shared one for display props. */
async function personal(r: Resource, pc: PropContext, ns: string, name: string, fallback: PropValue): Promise<PropValue> {
  if (r.kind === 'collection' && r.collection.role !== 'owner') {
    const own = await pc.deadElement(r, ns, name);
    if (own) return valueOf(own);
  }
  return fallback;
}

async function ownerHref(r: Resource, pc: PropContext): Promise<PropValue> {
  const ownerId = r.kind === 'collection' ? r.collection.ownerId : pc.user.id;
  const owner = ownerId === pc.user.id ? { email: pc.user.email } : await pc.account(ownerId);
  return [el(DAV, 'href', hrefs.principal(owner.email))];
}

async function quota(r: Resource, pc: PropContext, which: 'used' | 'available'): Promise<PropValue> {
  const owner = await pc.account(r.kind === 'collection' ? r.collection.ownerId : pc.user.id);
  const value = which === 'used' ? owner.usedBytes : owner.quotaBytes - owner.usedBytes;
  return String(value < 0n ? 0n : value);
}

async function syncToken(r: Resource, pc: PropContext): Promise<PropValue> {
  return formatSyncToken(await pc.epoch(), collectionOf(r).changePosition);
}

const defs: PropertyDef[] = [
  {
    ns: DAV,
    name: 'resourcetype',
    on: ALL,
    allprop: true,
    get: (r) => {
      if (r.kind === 'item') return null;
      if (r.kind === 'principal') return [el(DAV, 'principal')];
      if (r.kind === 'collection') return [el(DAV, 'collection'), el(CALDAV, 'calendar')];
      return [el(DAV, 'collection')];
    },
  },
  {
    ns: DAV,
    name: 'displayname',
    on: ['principal', 'home', 'collection'],
    allprop: true,
    get: async (r, pc) => {
      if (r.kind === 'collection') return personal(r, pc, DAV, 'displayname', r.collection.name);
      const me = await pc.account(pc.user.id);
      return r.kind === 'principal' ? me.displayName || me.email : `Calendars of ${me.displayName || me.email}`;
    },
    field: 'name',
  },
  // In allprop at the root only: RFC 6764 6 has clients PROPFIND the context
  // path for it, and those that follow the well-known 301 without the body
  // (python-requests) send an allprop there instead (RFC 4918 9.1). Radicale
  // includes it in every allprop.
  { ns: DAV, name: 'current-user-principal', on: ALL, allprop: ['root'], get: (_r, pc) => [el(DAV, 'href', hrefs.principal(pc.user.email))] },
  { ns: DAV, name: 'principal-URL', on: ['principal'], allprop: true, get: (_r, pc) => [el(DAV, 'href', hrefs.principal(pc.user.email))] },
  { ns: DAV, name: 'principal-collection-set', on: ['root', 'principal'], allprop: false, get: () => [el(DAV, 'href', hrefs.principals)] },
  { ns: DAV, name: 'owner', on: ['principal', 'home', 'collection'], allprop: false, get: ownerHref },
  {
    ns: DAV,
    name: 'current-user-privilege-set',
    on: ALL,
    allprop: false,
    get: (r) => {
      const role = r.kind === 'collection' || r.kind === 'item' ? r.collection.role : null;
      return privilegeSet(privilegesFor(r.kind, role), r.kind === 'collection' || r.kind === 'item');
    },
  },
  {
    ns: DAV,
    name: 'supported-report-set',
    on: ALL,
    allprop: false,
    get: (r) => {
      const reports =
        r.kind === 'collection'
          ? [el(CALDAV, 'calendar-multiget'), el(CALDAV, 'calendar-query'), el(DAV, 'sync-collection'), el(CALDAV, 'free-busy-query')]
          : r.kind === 'item'
            ? [el(CALDAV, 'calendar-multiget'), el(CALDAV, 'calendar-query')]
            : [];
      return reports.map((report) => el(DAV, 'supported-report', el(DAV, 'report', report)));
    },
  },
  { ns: DAV, name: 'quota-used-bytes', on: ['home', 'collection'], allprop: false, get: (r, pc) => quota(r, pc, 'used') },
  { ns: DAV, name: 'quota-available-bytes', on: ['home', 'collection'], allprop: false, get: (r, pc) => quota(r, pc, 'available') },
  { ns: DAV, name: 'sync-token', on: ['collection'], allprop: false, get: syncToken },
  // The ctag (CalendarServer) is the sync token: it changes with every item write, and with a restore.
  { ns: CALENDARSERVER, name: 'getctag', on: ['collection'], allprop: true, get: syncToken },
  { ns: CALDAV, name: 'calendar-home-set', on: ['principal'], allprop: true, get: (_r, pc) => [el(DAV, 'href', hrefs.home(pc.user.email))] },
  {
    ns: CALDAV,
    name: 'calendar-user-address-set',
    on: ['principal'],
    allprop: true,
    get: (_r, pc) => [el(DAV, 'href', `mailto:${pc.user.email}`), el(DAV, 'href', hrefs.principal(pc.user.email))],
  },
  {
    ns: CALDAV,
    name: 'supported-calendar-component-set',
    on: ['collection'],
    allprop: true,
    get: (r) =>
      collectionOf(r)
        .components.split(',')
        .map((c) => ({ ...el(CALDAV, 'comp'), attrs: { name: c } })),
  },
  {
    ns: CALDAV,
    name: 'supported-calendar-data',
    on: ['collection'],
    allprop: false,
    get: () => [{ ...el(CALDAV, 'calendar-data'), attrs: { 'content-type': 'text/calendar', version: '2.0' } }],
  },
  { ns: CALDAV, name: 'max-resource-size', on: ['collection'], allprop: false, get: () => String(MAX_ITEM_BYTES) },
  {
    ns: CALDAV,
    name: 'calendar-description',
    on: ['collection'],
    allprop: true,
    get: (r, pc) => personal(r, pc, CALDAV, 'calendar-description', collectionOf(r).description),
    field: 'description',
  },
  { ns: CALDAV, name: 'calendar-timezone', on: ['collection'], allprop: false, get: (r) => vtimezoneCalendar(collectionOf(r).timeZone), field: 'timeZone' },
  {
    ns: APPLE_ICAL,
    name: 'calendar-color',
    on: ['collection'],
    allprop: true,
    get: (r, pc) => personal(r, pc, APPLE_ICAL, 'calendar-color', collectionOf(r).color ?? null),
    field: 'color',
  },
  { ns: DAV, name: 'getetag', on: ['item'], allprop: true, get: (r) => (r.kind === 'item' && r.item ? `"${r.item.etag}"` : null) },
  {
    ns: DAV,
    name: 'getcontenttype',
    on: ['item'],
    allprop: true,
    get: (r) => (r.kind === 'item' && r.item ? `text/calendar; charset=utf-8; component=${r.item.kind}` : null),
  },
  { ns: DAV, name: 'getcontentlength', on: ['item'], allprop: true, get: (r) => (r.kind === 'item' && r.item ? String(r.item.sizeBytes) : null) },
  { ns: DAV, name: 'getlastmodified', on: ['item'], allprop: true, get: (r) => (r.kind === 'item' && r.item ? r.item.updatedAt.toUTCString() : null) },
];

export const PROPERTIES: ReadonlyMap<string, PropertyDef> = new Map(defs.map((d) => [clark(d.ns, d.name), d]));

export function propertiesOn(kind: ResourceKind): PropertyDef[] {
  return defs.filter((d) => d.on.includes(kind));
}
