// Everything the SMTP robot reads out of one message's bytes, as plain data
// that can cross to and from a worker thread: the message's summary
// (readMail) and, for each collection address it is for, the items it would
// become (planItems) or why it becomes none. All the CPU-heavy reading of
// untrusted mail happens in here (mailparser, html-to-text, node-tnef,
// ical.js, chrono-node, email-reply-parser), so the robot can run it in its
// pool of worker threads under a time budget (parse-pool.ts).
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { InvalidInput } from '../domain/errors.ts';
import type { IncomingObject } from '../domain/itip.ts';
import type { RoutedAddress } from '../domain/routing.ts';
import { readMail, type MailSummary } from './parse/message.ts';
import { planItems, type ItemPlan } from './plan.ts';

/** Why a message or one address's plan comes to nothing: InvalidInput's message and reason, as data. */
export interface Refusal {
  message: string;
  reason: string;
}

export type PlanOutcome = { plan: ItemPlan } | { refused: Refusal };

export type InboundRead = { unreadable: Refusal } | { summary: MailSummary; messageId: string; dedupeKey: string; plans: PlanOutcome[] };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The Message-ID (one is made from the bytes when there is none) and the key a retried message is known by. */
export function messageKeys(messageId: string | null, raw: Buffer): { messageId: string; dedupeKey: string } {
  const id = messageId?.trim() || `<${sha256(raw)}@no-message-id>`;
  return { messageId: id, dedupeKey: sha256(id.toLowerCase()) };
}

function refusal(err: unknown, fallback: (message: string) => string): Refusal {
  if (err instanceof InvalidInput) return { message: err.message, reason: err.reason };
  return { message: fallback(err instanceof Error ? err.message : String(err)), reason: 'unreadable-mime' };
}

/** Reads the message and plans its items for each address, in the order given. Throws only on a bug. */
export async function readInbound(raw: Buffer, addresses: RoutedAddress[], now = new Date()): Promise<InboundRead> {
  let content;
  try {
    content = await readMail(raw);
  } catch (err) {
    return { unreadable: refusal(err, (m) => `the message could not be read as MIME (${m})`) };
  }
  const { text: _text, calendarParts: _parts, jsonLd: _jsonLd, ...summary } = content;
  const keys = messageKeys(content.messageId, raw);
  const plans = addresses.map((address): PlanOutcome => {
    try {
      return { plan: planItems(content, address, keys.dedupeKey, now) };
    } catch (err) {
      if (err instanceof InvalidInput) return { refused: refusal(err, String) };
      throw err;
    }
  });
  return { summary, ...keys, plans };
}

// Parsed calendars (ical.js components) do not survive a structured clone:
// they cross as jCal (RFC 7265) and are wrapped again on the other side,
// which costs no second parse.
type Jcal = unknown[];
type WireObject = Omit<IncomingObject, 'icalendar'> & { icalendar: string | { jcal: Jcal } };

export function toWire(read: InboundRead): InboundRead {
  if ('unreadable' in read) return read;
  const wire = (o: IncomingObject): WireObject => ({ ...o, icalendar: typeof o.icalendar === 'string' ? o.icalendar : { jcal: o.icalendar.toJSON() as Jcal } });
  return { ...read, plans: read.plans.map((p) => ('plan' in p ? { plan: { ...p.plan, objects: p.plan.objects.map(wire) as unknown as IncomingObject[] } } : p)) };
}

export function fromWire(read: InboundRead): InboundRead {
  if ('unreadable' in read) return read;
  const back = (o: WireObject): IncomingObject => ({ ...o, icalendar: typeof o.icalendar === 'string' ? o.icalendar : new ICAL.Component(o.icalendar.jcal) });
  return { ...read, plans: read.plans.map((p) => ('plan' in p ? { plan: { ...p.plan, objects: (p.plan.objects as unknown as WireObject[]).map(back) } } : p)) };
}
