// Evaluates a calendar-query filter (RFC 4791 9.7) against one stored
// calendar object. Time ranges on the item's component use its instances, so
// a recurring event matches through an occurrence even when its master lies
// outside the range; an override is judged by its own times.
import ICAL from 'ical.js';
import { parseVcalendar, ZoneResolver, type Component, type ItemKind } from '../../domain/icalendar.ts';
import { instancesUntil, type Instance } from '../../domain/instances.ts';
import type { CompFilter, ParamFilter, PropFilter, TextMatch, TimeRange } from './parse.ts';
import { alarmInRange, instanceOverlaps, rangeMs } from './time-range.ts';

const ITEM_KINDS = ['VEVENT', 'VTODO', 'VJOURNAL'];
const FAR_FUTURE = new Date(8.64e15);

interface Scope {
  zones: ZoneResolver;
  calendar: Component;
  floatingZone: string;
  /** Instances of the item's component, computed once per object. */
  instances: Map<string, Instance[]>;
}

function instancesOf(scope: Scope, kind: string, range: TimeRange | null): Instance[] {
  const key = `${kind}|${range?.end?.getTime() ?? ''}`;
  let list = scope.instances.get(key);
  if (!list) {
    list = instancesUntil(scope.calendar, kind as ItemKind, range?.end ?? FAR_FUTURE, scope.floatingZone);
    scope.instances.set(key, list);
  }
  return list;
}

function casefold(s: string, collation: TextMatch['collation']): string {
  if (collation === 'i;octet') return s;
  if (collation === 'i;unicode-casemap') return s.toLocaleLowerCase('und');
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function textMatches(values: string[], m: TextMatch): boolean {
  const needle = casefold(m.value, m.collation);
  const found = values.some((v) => casefold(v, m.collation).includes(needle));
  return m.negate ? !found : found;
}

function propertyText(p: InstanceType<typeof ICAL.Property>): string {
  return p.getValues().map(String).join(',');
}

function paramMatches(p: InstanceType<typeof ICAL.Property>, f: ParamFilter): boolean {
  const value = p.getParameter(f.name.toLowerCase());
  if (f.isNotDefined) return value === undefined || value === null;
  if (value === undefined || value === null) return false;
  if (!f.textMatch) return true;
  return textMatches(Array.isArray(value) ? value.map(String) : [String(value)], f.textMatch);
}

function propMatches(c: Component, f: PropFilter, scope: Scope): boolean {
  const props = c.getAllProperties(f.name.toLowerCase());
  if (f.isNotDefined) return props.length === 0;
  if (props.length === 0) return false;
  return props.some((p) => {
    if (f.timeRange) {
      const v = p.getFirstValue();
      if (!(v instanceof ICAL.Time)) return false;
      const tzid = p.getParameter('tzid');
      const t = scope.zones.toUtc(v, typeof tzid === 'string' ? tzid : null).getTime();
      const { start, end } = rangeMs(f.timeRange);
      if (!(t >= start && t < end)) return false;
    }
    if (f.textMatch && !textMatches([propertyText(p)], f.textMatch)) return false;
    return f.paramFilters.every((pf) => paramMatches(p, pf));
  });
}

/** Whether one component (already chosen by its parent's filter) passes `f`'s nested filters. */
function componentPasses(c: Component, f: CompFilter, scope: Scope, parentInstances: Instance[]): boolean {
  if (!f.propFilters.every((pf) => propMatches(c, pf, scope))) return false;
  return f.compFilters.every((cf) => compMatches(c, cf, scope, parentInstances.filter((i) => i.component === c)));
}

function compMatches(parent: Component, f: CompFilter, scope: Scope, parentInstances: Instance[]): boolean {
  const components = parent.getAllSubcomponents(f.name.toLowerCase());
  if (f.isNotDefined) return components.length === 0;
  if (components.length === 0) return false;
  if (ITEM_KINDS.includes(f.name)) {
    const instances = instancesOf(scope, f.name, f.timeRange);
    const hits = f.timeRange ? instances.filter((i) => instanceOverlaps(f.name, i, f.timeRange!, scope.zones)) : instances;
    if (f.timeRange && hits.length === 0) return false;
    const candidates = f.timeRange ? components.filter((c) => hits.some((i) => i.component === c)) : components;
    return candidates.some((c) => componentPasses(c, f, scope, hits.length > 0 ? hits : instances));
  }
  if (f.name === 'VALARM' && f.timeRange) {
    // RFC 4791 9.9: an alarm matches when a trigger of one of its parent's instances falls in the range.
    return components.some((c) => alarmInRange(c, parentInstances, f.timeRange!, scope.zones) && componentPasses(c, f, scope, parentInstances));
  }
  return components.some((c) => componentPasses(c, f, scope, parentInstances));
}

/** Whether the calendar object `text` matches the VCALENDAR filter. */
export function calendarMatches(text: string, filter: CompFilter, floatingZone: string): boolean {
  const calendar = parseVcalendar(text);
  const scope: Scope = { zones: new ZoneResolver(calendar, floatingZone), calendar, floatingZone, instances: new Map() };
  if (filter.isNotDefined) return false;
  return componentPasses(calendar, filter, scope, []);
}
