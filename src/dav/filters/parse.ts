// The CALDAV:filter of a calendar-query (RFC 4791 9.7) as plain data. An
// invalid filter is a 403 with CALDAV:valid-filter; an unknown collation a
// 403 with CALDAV:supported-collation (RFC 4791 7.5.1).
import { DavError } from '../errors.ts';
import { el } from '../xml/multistatus.ts';
import { CALDAV } from '../xml/names.ts';
import { child, childrenNamed, textOf, type XmlElement } from '../xml/parse.ts';

export interface TimeRange {
  start: Date | null;
  end: Date | null;
}

export interface TextMatch {
  value: string;
  collation: 'i;ascii-casemap' | 'i;octet' | 'i;unicode-casemap';
  negate: boolean;
}

export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch: TextMatch | null;
}

export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  textMatch: TextMatch | null;
  paramFilters: ParamFilter[];
}

export interface CompFilter {
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  propFilters: PropFilter[];
  compFilters: CompFilter[];
}

const COLLATIONS = ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'] as const;

function invalid(message: string): DavError {
  return new DavError(403, message, el(CALDAV, 'valid-filter'));
}

/** An RFC 5545 UTC date-time, e.g. 20261201T000000Z (RFC 4791 9.9 requires UTC). */
export function parseUtc(value: string | undefined, what: string): Date | null {
  if (value === undefined) return null;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) throw invalid(`${what} "${value}" is not a UTC date-time like 20261201T000000Z`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

export function parseTimeRange(node: XmlElement | undefined): TimeRange | null {
  if (!node) return null;
  const start = parseUtc(node.attrs.start, 'time-range start');
  const end = parseUtc(node.attrs.end, 'time-range end');
  if (!start && !end) throw invalid('a time-range needs a start or an end');
  if (start && end && end <= start) throw invalid('a time-range must end after it starts');
  return { start, end };
}

function parseTextMatch(node: XmlElement | undefined): TextMatch | null {
  if (!node) return null;
  const collation = node.attrs.collation ?? 'i;ascii-casemap';
  if (!(COLLATIONS as readonly string[]).includes(collation)) {
    throw new DavError(403, `collation ${collation} is not supported`, el(CALDAV, 'supported-collation'));
  }
  return { value: textOf(node), collation: collation as TextMatch['collation'], negate: node.attrs['negate-condition'] === 'yes' };
}

function nameOf(node: XmlElement): string {
  const name = node.attrs.name?.trim().toUpperCase();
  if (!name) throw invalid(`${node.name} needs a name`);
  return name;
}

function parseParamFilter(node: XmlElement): ParamFilter {
  return { name: nameOf(node), isNotDefined: !!child(node, CALDAV, 'is-not-defined'), textMatch: parseTextMatch(child(node, CALDAV, 'text-match')) };
}

function parsePropFilter(node: XmlElement): PropFilter {
  return {
    name: nameOf(node),
    isNotDefined: !!child(node, CALDAV, 'is-not-defined'),
    timeRange: parseTimeRange(child(node, CALDAV, 'time-range')),
    textMatch: parseTextMatch(child(node, CALDAV, 'text-match')),
    paramFilters: childrenNamed(node, CALDAV, 'param-filter').map(parseParamFilter),
  };
}

function parseCompFilter(node: XmlElement): CompFilter {
  return {
    name: nameOf(node),
    isNotDefined: !!child(node, CALDAV, 'is-not-defined'),
    timeRange: parseTimeRange(child(node, CALDAV, 'time-range')),
    propFilters: childrenNamed(node, CALDAV, 'prop-filter').map(parsePropFilter),
    compFilters: childrenNamed(node, CALDAV, 'comp-filter').map(parseCompFilter),
  };
}

/** The filter's single top comp-filter, which must name VCALENDAR. */
export function parseFilter(filter: XmlElement | undefined): CompFilter {
  const top = filter ? childrenNamed(filter, CALDAV, 'comp-filter') : [];
  if (top.length !== 1) throw invalid('a calendar-query filter needs exactly one comp-filter');
  const parsed = parseCompFilter(top[0]!);
  if (parsed.name !== 'VCALENDAR') throw invalid('the top comp-filter must name VCALENDAR');
  return parsed;
}
