// What calendar data must be to be stored: the one set of checks every write
// path runs (CalDAV PUT, COPY and MOVE through items.ts, mail through
// inbound-write.ts and the mail reader), and `tidings check-items` runs over
// what was stored before them. Calendar data comes from anyone on the
// internet; whatever passes here can be parsed, walked, expanded, served and
// reminded of in bounded time, and reads back as it was written. Each refusal
// is InvalidInput with a reason the sender can act on (valid-calendar-data,
// RFC 4791 5.3.2.1; max-resource-size for size).
import ICAL from 'ical.js';
import {
  MAX_CALENDAR_COMPONENTS,
  MAX_CALENDAR_DEPTH,
  MAX_CALENDAR_PROPERTIES,
  MAX_ITEM_BYTES,
  MAX_PROPERTY_VALUE_BYTES,
  MAX_RECURRENCE_COUNT,
  MAX_RECURRENCE_DATES,
  MAX_RECURRENCE_STEPS,
} from '../consts.ts';
import { InvalidInput } from './errors.ts';
import { RecurrenceWalk } from './recurrence.ts';

type Component = InstanceType<typeof ICAL.Component>;

const invalid = (message: string) => new InvalidInput(message, 'valid-calendar-data');

/** Refuses a calendar object of `bytes` (its UTF-8 size) over the limit. */
export function checkItemSize(bytes: number): void {
  if (bytes > MAX_ITEM_BYTES) {
    throw new InvalidInput(`calendar object is larger than ${MAX_ITEM_BYTES} bytes`, 'max-resource-size');
  }
}

/**
 * Calendar bytes as text. iCalendar is UTF-8 unless the carrier (a MIME
 * part's charset) says otherwise (RFC 5545 3.1.4); bytes that are not valid
 * in their charset are refused, never stored as replacement characters. A
 * UTF-8 byte-order mark is dropped.
 */
export function decodeCalendarBytes(bytes: Uint8Array, charset = 'utf-8'): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.trim().toLowerCase() || 'utf-8', { fatal: true });
  } catch {
    throw new InvalidInput(`calendar data in an unknown charset "${charset}"`, 'supported-calendar-data');
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw invalid(`calendar data is not valid ${decoder.encoding.toUpperCase()} (RFC 5545 3.1.4)`);
  }
}

/**
 * The text as a whole, before it is parsed: its size, no NUL anywhere, and
 * lines that every reader splits the same way. A bare CR survives parsing
 * inside a value and is served back: a client that splits lines at CR then
 * reads whatever follows it (a second VEVENT) as structure. Lines end in
 * CRLF (RFC 5545 3.1); a text with LF alone throughout is read too (files
 * from Unix tools), but a bare LF among CRLF lines is refused for the same
 * reason as a bare CR.
 */
export function checkCalendarText(text: string): void {
  checkItemSize(Buffer.byteLength(text, 'utf8'));
  if (text.includes('\u0000')) throw invalid('calendar data holds a NUL character (RFC 5545 3.1: no control characters)');
  const bareCr = text.search(/\r(?!\n)/);
  if (bareCr !== -1) throw invalid(`calendar data holds a bare CR (not followed by LF) on line ${lineOf(text, bareCr)} (RFC 5545 3.1)`);
  if (text.includes('\r\n')) {
    const bareLf = text.search(/(?<!\r)\n/);
    if (bareLf !== -1) throw invalid(`calendar data mixes CRLF line ends with a bare LF on line ${lineOf(text, bareLf)} (RFC 5545 3.1)`);
  }
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

// RFC 5545 3.6: what may sit inside what. Inside a component Tidings does
// not know (x-comp, iana-comp) anything may sit, but never deeper.
const CHILDREN: Record<string, readonly string[]> = {
  vevent: ['valarm', 'participant', 'vlocation', 'vresource'],
  vtodo: ['valarm', 'participant', 'vlocation', 'vresource'],
  vjournal: ['participant', 'vlocation', 'vresource'],
  vtimezone: ['standard', 'daylight'],
  vfreebusy: ['participant', 'vlocation', 'vresource'],
};

interface Tally {
  components: number;
  properties: number;
}

type JcalComponent = [string, JcalProperty[], JcalComponent[]];
type JcalProperty = [string, Record<string, unknown>, string, ...unknown[]];

/**
 * Structure and values of one parsed VCALENDAR: nesting, how many components
 * and properties, each value's size and characters, that dates are dates,
 * that every value can be read, and recurrence rules that can be walked.
 * Says nothing about which components a collection takes (icalendar.ts).
 */
export function checkCalendarContent(calendar: Component): void {
  const tally: Tally = { components: 0, properties: 0 };
  checkJcal(calendar.jCal as JcalComponent, 1, null, tally);
  checkValuesRead(calendar);
}

function checkJcal(jcal: JcalComponent, depth: number, parent: string | null, tally: Tally): void {
  const [name, properties, components] = jcal;
  const upper = name.toUpperCase();
  if (depth > MAX_CALENDAR_DEPTH) throw invalid(`${upper} is nested ${depth} components deep; at most ${MAX_CALENDAR_DEPTH} (VCALENDAR > component > VALARM)`);
  const allowed = parent === null ? undefined : CHILDREN[parent];
  if (depth === 3 && allowed !== undefined && !allowed.includes(name)) {
    throw invalid(`${upper} cannot be inside ${parent!.toUpperCase()} (RFC 5545 3.6)`);
  }
  if (++tally.components > MAX_CALENDAR_COMPONENTS) throw invalid(`calendar data holds more than ${MAX_CALENDAR_COMPONENTS} components`);
  tally.properties += properties.length;
  if (tally.properties > MAX_CALENDAR_PROPERTIES) throw invalid(`calendar data holds more than ${MAX_CALENDAR_PROPERTIES} properties`);
  for (const property of properties) checkProperty(upper, property);
  checkRecurrenceDates(upper, properties);
  for (const child of components) checkJcal(child, depth + 1, depth === 1 ? null : name, tally);
}

function checkProperty(component: string, property: JcalProperty): void {
  const [name, params, type, ...values] = property;
  const label = `${name.toUpperCase()} in ${component}`;
  const size = { bytes: 0 };
  checkStrings(label, params, size);
  checkStrings(label, values, size);
  if (size.bytes > MAX_PROPERTY_VALUE_BYTES) throw invalid(`${label} is larger than ${MAX_PROPERTY_VALUE_BYTES} bytes`);
  for (const value of values) checkTyped(label, type, value);
}

/** Adds up the UTF-8 size of every string in a value or parameter; no NUL and no CR (no escape produces either). */
function checkStrings(label: string, value: unknown, size: { bytes: number }): void {
  if (typeof value === 'string') {
    size.bytes += Buffer.byteLength(value, 'utf8');
    if (value.includes('\u0000')) throw invalid(`${label} holds a NUL character`);
    if (value.includes('\r')) throw invalid(`${label} holds a bare CR`);
  } else if (Array.isArray(value)) {
    for (const v of value) checkStrings(label, v, size);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) checkStrings(label, v, size);
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** RFC 5545 3.3.4/3.3.5 ranges; ical.js reads 20261301T250000 as 2027-01-02 01:00 without a word. */
function isDateValue(text: string, withTime: boolean): boolean {
  const m = (withTime ? DATE_TIME : DATE).exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > ICAL.Time.daysInMonth(month, year)) return false;
  // A leap second (60) is allowed by RFC 5545 3.3.12.
  return !withTime || (Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 60);
}

function checkTyped(label: string, type: string, value: unknown): void {
  const isDateOrDateTime = (v: unknown) => typeof v === 'string' && (isDateValue(v, true) || isDateValue(v, false));
  if (type === 'date-time' || type === 'date') {
    if (typeof value !== 'string' || !isDateValue(value, type === 'date-time')) throw invalid(`${label} is not a valid ${type.toUpperCase()}`);
  } else if (type === 'period') {
    const start = Array.isArray(value) ? value[0] : undefined;
    if (!isDateOrDateTime(start)) throw invalid(`${label} is not a valid PERIOD`);
  } else if (type === 'recur' && value !== null && typeof value === 'object') {
    const { until, count } = value as { until?: unknown; count?: unknown };
    if (until !== undefined && !isDateOrDateTime(until)) throw invalid(`${label} has an UNTIL that is not a valid DATE or DATE-TIME`);
    // RFC 5545 3.3.10: COUNT is a positive integer (ical.js itself already reads INTERVAL=0 as 1).
    if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 1)) throw invalid(`${label} has COUNT=${String(count)}; it must be a positive integer`);
  }
}

/** EXDATE and RDATE values of one component, each kind at most MAX_RECURRENCE_DATES. */
function checkRecurrenceDates(component: string, properties: JcalProperty[]): void {
  for (const kind of ['exdate', 'rdate']) {
    const count = properties.filter((p) => p[0] === kind).reduce((n, p) => n + p.length - 3, 0);
    if (count > MAX_RECURRENCE_DATES) throw invalid(`${component} has ${count} ${kind.toUpperCase()} values; at most ${MAX_RECURRENCE_DATES}`);
  }
}

/**
 * Reads every value the way ical.js will later (it decodes lazily, and a
 * value it cannot read would otherwise fail deep in some read path), then
 * checks what a recurrence rule asks for.
 */
function checkValuesRead(component: Component): void {
  for (const property of component.getAllProperties()) {
    let values: unknown[];
    try {
      values = property.getValues();
    } catch (err) {
      throw invalid(`${property.name.toUpperCase()} in ${component.name.toUpperCase()} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (property.name === 'rrule') for (const rule of values) checkRule(component, rule as InstanceType<typeof ICAL.Recur>);
  }
  for (const child of component.getAllSubcomponents()) checkValuesRead(child);
}

function checkRule(component: Component, rule: InstanceType<typeof ICAL.Recur>): void {
  const where = `the RRULE of ${component.name.toUpperCase()}`;
  if (rule.count !== null && rule.count !== undefined && rule.count > MAX_RECURRENCE_COUNT) {
    throw invalid(`${where} has COUNT=${rule.count}; at most ${MAX_RECURRENCE_COUNT}`);
  }
  const endless = (rule.count === null || rule.count === undefined) && !rule.until;
  if (endless && (rule.freq === 'SECONDLY' || rule.freq === 'MINUTELY')) {
    throw invalid(`${where} repeats every ${rule.freq === 'SECONDLY' ? 'second' : 'minute'} without end; give it a COUNT or UNTIL`);
  }
}

/**
 * Each recurring component's rule must yield an occurrence after DTSTART
 * within the step budget (recurrence.ts), and be walkable at all: a rule
 * that never matches would otherwise cost every later read the whole budget
 * and give nothing.
 */
export function checkRecurrences(calendar: Component): void {
  for (const component of calendar.getAllSubcomponents()) {
    if (!component.hasProperty('rrule') || component.hasProperty('recurrence-id')) continue;
    const dtstart = component.getFirstPropertyValue('dtstart');
    if (!(dtstart instanceof ICAL.Time)) continue;
    const walk = new RecurrenceWalk(component, dtstart);
    while (walk.given < 2 && walk.next() !== null);
    if (walk.ended === 'budget') {
      throw invalid(`the RRULE of ${component.name.toUpperCase()} yields no occurrence after DTSTART within ${MAX_RECURRENCE_STEPS} iteration steps (a rule that never or almost never matches)`);
    }
    if (walk.ended === 'unreadable') throw invalid(`the RRULE of ${component.name.toUpperCase()} cannot be expanded: ${walk.problem}`);
  }
}
