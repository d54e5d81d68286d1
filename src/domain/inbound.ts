// Delivering one inbound message to one submission address, exactly once:
// the items, their change-log rows and the inbound-message record commit in
// one transaction, so the record's (address, dedupeKey) key proves the
// message was applied, and a retry (same Message-ID, same address) finds it
// and changes nothing. What each item becomes is decided first (itip.ts)
// against the stored copy read outside the transaction (or, for mail that
// brings new items, against none: see deliverToCollection); the write then
// insists on that copy's version (or on its absence), and a concurrent change
// makes the whole delivery start over: optimistic, no lock held while parsing.
import type { Store } from '../store/index.ts';
import { mysqlRunner, placeholders } from '../store/sql.ts';
import { describeCalendarObject } from './alerts/item-details.ts';
import type { ItemKind } from './icalendar.ts';
import { applyItip, type IncomingObject, type ItipOutcome } from './itip.ts';
import { commitDelivery, insertRecord, prepareItem, readForDelivery, recordColumns, type DeliveryReads, type InboundEnvelope, type InboundOutcome, type ItemWrite, type RecordWrite } from './inbound-write.ts';
import { defaultResourceName, writeWithRetries } from './item-write.ts';
import { isUniqueViolation } from './prisma-errors.ts';
import { cloneComponent } from './ical-components.ts';
import type { RoutedAddress } from './routing.ts';

export type { InboundEnvelope, InboundOutcome };

export interface DeliveredItem {
  uid: string;
  action: ItipOutcome['action'];
  summary: string;
  resourceName: string | null;
}

export interface DeliverySummary {
  duplicate: boolean;
  items: DeliveredItem[];
  notes: string[];
  recordId: bigint | null;
}

export interface Delivery {
  address: RoutedAddress;
  envelope: InboundEnvelope;
  objects: IncomingObject[];
  /** The stages' verdicts so far; the delivery adds its own. */
  trace: Record<string, unknown>;
  spamScore: number | null;
  /** The reply the sender will get for this outcome (the adapter's words). */
  replyFor(summary: Omit<DeliverySummary, 'recordId'>): string;
  /** Set when a quarantined message is released: its record is updated, not created. */
  releaseOf?: bigint;
}

const TX_OPTIONS = { maxWait: 10_000, timeout: 60_000 };

interface Plan {
  outcome: ItipOutcome;
  uid: string;
  summary: string;
  write?: ItemWrite;
}

export async function deliverToCollection(store: Store, delivery: Delivery): Promise<DeliverySummary> {
  const { address, envelope } = delivery;
  const uids = delivery.objects.map((o) => o.uid);
  const releasing = delivery.releaseOf !== undefined;
  // Planning changes parsed objects in place; a second attempt starts from this copy.
  const pristine = delivery.objects.map(copyOf);
  // Most mail brings new items: the first attempt then skips the read and
  // plans against an empty collection. If that guess was wrong (the UID or
  // its name exists, or the message was delivered already) an INSERT in the
  // batch fails on its unique key, which aborts the batch before any row
  // count is judged (so an update is never refused for the quota a creation
  // would have needed), and the next attempt reads. CANCEL and REPLY only
  // make sense against a stored copy, so they always read.
  const guessFirst = !releasing && delivery.objects.every((o) => o.method !== 'CANCEL' && o.method !== 'REPLY');
  // A concurrent writer got there first (the same message over another
  // connection, or a change to one of its items): read again and decide again.
  return writeWithRetries(async (attempt) => {
    const guessing = guessFirst && attempt === 1;
    const reads = guessing
      ? NOTHING_STORED
      : await readForDelivery(store, {
          addressId: address.addressId,
          dedupeKey: envelope.dedupeKey,
          collectionId: address.collectionId,
          uids,
          names: uids.map(defaultResourceName),
        });
    if (reads.delivered && !releasing) return alreadyDelivered();
    const objects = attempt === 1 ? delivery.objects : pristine.map(copyOf);
    const plans = planDelivery(objects, reads, address);
    const items = plans.map((p) => ({ uid: p.uid, action: p.outcome.action, summary: p.summary, resourceName: p.write?.resourceName ?? null }));
    const notes = plans.flatMap((p) => p.outcome.notes);
    const summary = { duplicate: false, items, notes };
    const trace = traceText({ ...delivery.trace, delivery: { items, notes } });
    const reply = delivery.replyFor(summary).slice(0, 512);
    const recordId = await commitDelivery(store, {
      collectionId: address.collectionId,
      ownerId: address.ownerId,
      addressId: address.addressId,
      items: plans.flatMap((p) => (p.write ? [p.write] : [])),
      record: releasing ? { release: delivery.releaseOf!, reply, trace } : { insert: recordOf(delivery, 'accepted', reply, trace, envelope.dedupeKey) },
    });
    return { ...summary, recordId };
  }, DEDUPE_KEY);
}

/** The same message delivered to the same address over another connection meanwhile: the next attempt reads and finds it. */
const DEDUPE_KEY = new Set(['inbound_messages_addressId_dedupeKey_key']);

const NOTHING_STORED: DeliveryReads = { delivered: false, byUid: new Map(), takenNames: new Set() };

const alreadyDelivered = (): DeliverySummary => ({ duplicate: true, items: [], notes: ['this message was already delivered to this address'], recordId: null });

function copyOf(object: IncomingObject): IncomingObject {
  return typeof object.icalendar === 'string' ? object : { ...object, icalendar: cloneComponent(object.icalendar) };
}

function planDelivery(objects: IncomingObject[], reads: DeliveryReads, address: RoutedAddress): Plan[] {
  return objects.map((object) => {
    const stored = reads.byUid.get(object.uid) ?? null;
    const outcome = applyItip(object, stored?.icalendar ?? null, { ownerEmail: address.ownerEmail, collectionZone: address.timeZone });
    const plan: Plan = { outcome, uid: object.uid, summary: '' };
    if (outcome.change) {
      plan.write = prepareItem(outcome.calendar, outcome.icalendar, stored, { ...address, takenNames: reads.takenNames });
      plan.summary = plan.write.content.parsed.summary;
    }
    return plan;
  });
}

const MAX_TRACE = 60_000;

export function traceText(trace: Record<string, unknown>): string {
  const text = JSON.stringify(trace, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return text.length <= MAX_TRACE ? text : JSON.stringify({ truncated: true, head: text.slice(0, MAX_TRACE - 100) });
}

/** The record of a message for this address, as written. */
function recordOf(
  delivery: Pick<Delivery, 'address' | 'envelope' | 'spamScore'>,
  outcome: InboundOutcome,
  reply: string,
  trace: string,
  dedupeKey: string | null,
): RecordWrite {
  const { address } = delivery;
  return { ...delivery.envelope, dedupeKey, userId: address.ownerId, addressId: address.addressId, collectionId: address.collectionId, outcome, reply, spamScore: delivery.spamScore, trace };
}

/**
 * Records a message that was not delivered (refused, deferred), so its owner
 * can see why. No dedupe key: the sender may send it again. One INSERT on
 * mysql2: a flood of refused mail writes one of these per message.
 */
export async function recordRefusal(
  store: Store,
  refusal: Pick<Delivery, 'address' | 'envelope' | 'spamScore' | 'trace'> & { outcome: 'rejected' | 'deferred'; reply: string },
): Promise<void> {
  await insertRecord(store, recordOf(refusal, refusal.outcome, refusal.reply, traceText(refusal.trace), null));
}

/** Holds a message as received, in the same transaction as its record (exactly-once as a delivery). */
export async function quarantineMessage(
  store: Store,
  q: Pick<Delivery, 'address' | 'envelope' | 'trace'> & { spamScore: number; spamSymbols: string[]; raw: Buffer; reply: string },
): Promise<{ duplicate: boolean; recordId: bigint | null }> {
  try {
    return await store.db.$transaction(async (tx) => {
      const existing = await tx.inboundMessage.findUnique({
        where: { addressId_dedupeKey: { addressId: q.address.addressId, dedupeKey: q.envelope.dedupeKey } },
        select: { id: true },
      });
      if (existing) return { duplicate: true, recordId: null };
      const { id: recordId } = await tx.inboundMessage.create({
        data: recordColumns(recordOf(q, 'quarantined', q.reply, traceText(q.trace), q.envelope.dedupeKey)),
        select: { id: true },
      });
      await tx.quarantinedMessage.create({
        data: { inboundMessageId: recordId, userId: q.address.ownerId, spamScore: q.spamScore, spamSymbols: q.spamSymbols.join(',').slice(0, 2000), raw: new Uint8Array(q.raw) },
      });
      return { duplicate: false, recordId };
    }, TX_OPTIONS);
  } catch (err) {
    if (isUniqueViolation(err)) return { duplicate: true, recordId: null };
    throw err;
  }
}

export interface DeliveredDetails {
  kind: ItemKind;
  startUtc: Date | null;
  allDay: boolean;
}

/**
 * What a confirmation shows of delivered items (kind, start, all-day), read
 * after the commit by resource name; only the confirmation path pays for it.
 */
export async function describeDelivered(store: Store, collectionId: bigint, resourceNames: string[]): Promise<Map<string, DeliveredDetails>> {
  const out = new Map<string, DeliveredDetails>();
  if (resourceNames.length === 0) return out;
  const rows = await mysqlRunner(store.pool).rows<{ resourceName: string; kind: ItemKind; startUtc: Date | null; icalendar: string }>(
    `SELECT resourceName, kind, startUtc, icalendar FROM items WHERE collectionId = ? AND resourceName IN (${placeholders(resourceNames.length)})`,
    [collectionId, ...resourceNames],
  );
  for (const r of rows) out.set(r.resourceName, { kind: r.kind, startUtc: r.startUtc ?? null, allDay: describeCalendarObject(r.icalendar).allDay });
  return out;
}
