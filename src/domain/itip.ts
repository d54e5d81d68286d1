// What an iTIP message (RFC 5546) arriving by mail does to the collection's
// copy of the event: PUBLISH/REQUEST (and ADD) create or update by UID,
// honouring SEQUENCE and DTSTAMP so older never overwrites newer; CANCEL
// cancels the event or, with RECURRENCE-ID, only that occurrence; REPLY sets
// the replying attendee's PARTSTAT when the collection's owner organizes the
// event. Pure functions over iCalendar text: the caller reads the stored item
// and writes the result (inbound.ts). Tidings never sends iMIP itself.
import ICAL from 'ical.js';
import { normalizeCalendar } from './calendar-normalize.ts';
import { cloneComponent as copy } from './ical-components.ts';
import { InvalidInput } from './errors.ts';

type Component = InstanceType<typeof ICAL.Component>;

export const ITIP_METHODS = ['PUBLISH', 'REQUEST', 'ADD', 'CANCEL', 'REPLY'] as const;
export type ItipMethod = (typeof ITIP_METHODS)[number];

export interface IncomingObject {
  method: ItipMethod;
  /** The components' UID (known to whoever built the object; the store is read by it before applyItip). */
  uid: string;
  /**
   * One UID's components (a master and/or overrides) with their VTIMEZONEs:
   * text, or a VCALENDAR already parsed (the mail reader builds one, and
   * parsing it again costs the robot's hot path); applyItip takes a parsed
   * one over and may change it.
   */
  icalendar: string | Component;
}

/** An object given as text (mail turned into iCalendar by Tidings itself). */
export type IncomingText = IncomingObject & { icalendar: string };

/** A change carries the result both as text (what is stored) and parsed (so the store need not parse it again). */
export type ItipOutcome =
  | { change: true; action: 'create' | 'update' | 'cancel' | 'reply'; icalendar: string; calendar: Component; notes: string[] }
  | { change: false; action: 'stale' | 'unchanged' | 'nothing-to-cancel'; notes: string[] };

export interface ItipContext {
  ownerEmail: string;
  collectionZone: string;
}

export function applyItip(incoming: IncomingObject, stored: string | null, ctx: ItipContext): ItipOutcome {
  const calendar = typeof incoming.icalendar === 'string' ? parse(incoming.icalendar) : incoming.icalendar;
  const notes = normalizeCalendar(calendar, ctx.collectionZone);
  const outcome = incoming.method === 'CANCEL' ? cancel(calendar, stored, notes) : incoming.method === 'REPLY' ? applyReply(calendar, stored, ctx, notes) : publish(calendar, stored, notes);
  // A change merged into the stored copy is stored as that copy: it too must
  // be fit to store, whatever an older version of Tidings (or a client) left
  // in it; a TZID it names without a VTIMEZONE, for one, gets it here.
  if (outcome.change && outcome.calendar !== calendar) {
    outcome.notes.push(...normalizeCalendar(outcome.calendar, ctx.collectionZone));
    outcome.icalendar = outcome.calendar.toString();
  }
  return outcome;
}

function parse(text: string): Component {
  try {
    return new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    throw new InvalidInput(`calendar data could not be parsed: ${err instanceof Error ? err.message : String(err)}`, 'valid-calendar-data');
  }
}

const items = (cal: Component) => cal.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
const isOverride = (c: Component) => c.hasProperty('recurrence-id');
const master = (cal: Component) => items(cal).find((c) => !isOverride(c)) ?? null;

/** An occurrence's identity: its RECURRENCE-ID as written (wall clock), zone aside. */
function occurrence(c: Component): string {
  const value = c.getFirstPropertyValue('recurrence-id');
  return value instanceof ICAL.Time ? value.toICALString() : String(value ?? '');
}

function sequence(c: Component): number {
  const n = Number(c.getFirstPropertyValue('sequence') ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function stamp(c: Component): number {
  const v = c.getFirstPropertyValue('dtstamp');
  return v instanceof ICAL.Time ? v.toUnixTime() : 0;
}

/** -1: incoming is older than stored, 0: same revision, 1: newer (RFC 5546 2.1.5). */
function compareRevision(incoming: Component, stored: Component): number {
  const bySequence = Math.sign(sequence(incoming) - sequence(stored));
  return bySequence !== 0 ? bySequence : Math.sign(stamp(incoming) - stamp(stored));
}

const changeTo = (action: 'create' | 'update' | 'cancel' | 'reply', calendar: Component, notes: string[]): ItipOutcome => ({
  change: true,
  action,
  icalendar: calendar.toString(),
  calendar,
  notes,
});

/** Adds the incoming calendar's VTIMEZONEs the stored one lacks. */
function mergeZones(into: Component, from: Component): void {
  const have = new Set(into.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  for (const zone of from.getAllSubcomponents('vtimezone')) {
    if (!have.has(String(zone.getFirstPropertyValue('tzid')))) into.addSubcomponent(copy(zone));
  }
}

function publish(calendar: Component, storedText: string | null, notes: string[]): ItipOutcome {
  if (storedText === null) return changeTo('create', calendar, notes);
  const stored = parse(storedText);
  const incomingMaster = master(calendar);
  const storedMaster = master(stored);
  if (incomingMaster) {
    const order = storedMaster ? compareRevision(incomingMaster, storedMaster) : 1;
    if (order < 0) return { change: false, action: 'stale', notes: [...notes, staleNote(incomingMaster, storedMaster!)] };
    if (order === 0) return { change: false, action: 'unchanged', notes: [...notes, 'this revision is already stored'] };
    // A new revision of the whole event carries its complete set of exceptions.
    return changeTo('update', calendar, notes);
  }
  // Only changed occurrences: merge them into the stored event, keeping its master.
  let changed = false;
  for (const override of items(calendar)) {
    const current = items(stored).find((c) => isOverride(c) && occurrence(c) === occurrence(override));
    if (current && compareRevision(override, current) <= 0) {
      notes.push(`occurrence ${occurrence(override)}: ${compareRevision(override, current) < 0 ? staleNote(override, current) : 'already stored'}`);
      continue;
    }
    if (current) stored.removeSubcomponent(current);
    stored.addSubcomponent(copy(override));
    changed = true;
  }
  if (!changed) return { change: false, action: 'stale', notes };
  mergeZones(stored, calendar);
  return changeTo('update', stored, notes);
}

function staleNote(incoming: Component, stored: Component): string {
  return `stale update ignored: SEQUENCE ${sequence(incoming)} is older than the stored SEQUENCE ${sequence(stored)}`;
}

function cancel(calendar: Component, storedText: string | null, notes: string[]): ItipOutcome {
  if (storedText === null) return { change: false, action: 'nothing-to-cancel', notes: [...notes, 'the event to cancel is not in this collection'] };
  const stored = parse(storedText);
  const storedMaster = master(stored);
  let changed = false;
  for (const c of items(calendar)) {
    if (!isOverride(c)) {
      if (storedMaster && compareRevision(c, storedMaster) < 0) {
        notes.push(staleNote(c, storedMaster));
        continue;
      }
      for (const s of items(stored)) s.updatePropertyWithValue('status', 'CANCELLED');
      if (storedMaster) storedMaster.updatePropertyWithValue('sequence', Math.max(sequence(c), sequence(storedMaster)));
      changed = true;
      continue;
    }
    // One occurrence: exclude it from the series and drop its exception; the rest of the series stays.
    const current = items(stored).find((s) => isOverride(s) && occurrence(s) === occurrence(c));
    if (storedMaster && (storedMaster.hasProperty('rrule') || storedMaster.hasProperty('rdate'))) {
      const rid = c.getFirstProperty('recurrence-id')!.toJSON() as unknown[];
      const params = { ...(rid[1] as Record<string, unknown>) };
      delete params.range;
      storedMaster.addProperty(new ICAL.Property(['exdate', params, ...rid.slice(2)] as unknown[]));
      if (current) stored.removeSubcomponent(current);
      changed = true;
    } else if (current) {
      current.updatePropertyWithValue('status', 'CANCELLED');
      changed = true;
    } else {
      notes.push(`occurrence ${occurrence(c)} is not part of the stored event`);
    }
  }
  if (!changed) return { change: false, action: 'stale', notes };
  mergeZones(stored, calendar);
  return changeTo('cancel', stored, notes);
}

const mailto = (value: unknown) => String(value ?? '').replace(/^mailto:/i, '').trim().toLowerCase();

function applyReply(calendar: Component, storedText: string | null, ctx: ItipContext, notes: string[]): ItipOutcome {
  const uid = String(items(calendar)[0]?.getFirstPropertyValue('uid') ?? '');
  if (storedText === null) throw new InvalidInput(`a REPLY for event ${uid}, which is not in this collection`, 'itip-reply');
  const stored = parse(storedText);
  const organizerOf = master(stored) ?? items(stored)[0]!;
  const organizer = mailto(organizerOf.getFirstPropertyValue('organizer'));
  if (organizer !== ctx.ownerEmail.toLowerCase()) {
    throw new InvalidInput(`a REPLY for event ${uid}, which is organized by ${organizer || 'nobody'}, not by this collection's owner`, 'itip-reply');
  }
  // Outlook's REPLY may lack ORGANIZER: UID and attendee are what identify it.
  let changed = false;
  for (const c of items(calendar)) {
    const target = isOverride(c) ? items(stored).find((s) => isOverride(s) && occurrence(s) === occurrence(c)) : master(stored);
    if (!target) {
      notes.push(`REPLY for occurrence ${occurrence(c)}, which has no exception here: ignored`);
      continue;
    }
    for (const attendee of c.getAllProperties('attendee')) {
      const who = mailto(attendee.getFirstValue());
      const partstat = attendee.getParameter('partstat');
      const mine = target.getAllProperties('attendee').find((a) => mailto(a.getFirstValue()) === who);
      if (!mine) throw new InvalidInput(`${who} replied to event ${uid} but is not one of its attendees`, 'itip-reply');
      if (typeof partstat !== 'string' || mine.getParameter('partstat') === partstat.toUpperCase()) continue;
      mine.setParameter('partstat', partstat.toUpperCase());
      notes.push(`${who} is now ${partstat.toUpperCase()}`);
      changed = true;
    }
  }
  if (!changed) return { change: false, action: 'unchanged', notes };
  return changeTo('reply', stored, notes);
}
