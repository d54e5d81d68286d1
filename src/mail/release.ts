// Releasing a quarantined message: its owner judged it not spam, so it is
// delivered as it would have been, from the copy held as received, and its
// inbound record becomes an accepted one, all in one transaction. Shared by
// the JSON API and the command line.
import type { Actor } from '../domain/access.ts';
import { deliverToCollection, type DeliverySummary } from '../domain/inbound.ts';
import { InvalidInput } from '../domain/errors.ts';
import { getQuarantined } from '../domain/quarantine.ts';
import { routeAddressById } from '../domain/routing.ts';
import type { Store } from '../store/index.ts';
import { readMail } from './parse/message.ts';
import { planItems } from './plan.ts';

/** `actor`: the message's owner, or the operator. */
export async function releaseQuarantined(store: Store, actor: Actor, id: bigint): Promise<DeliverySummary> {
  const held = await getQuarantined(store, actor, id);
  const routing = await routeAddressById(store, held.record.addressId);
  if (routing.verdict !== 'deliver') throw new InvalidInput(`the address this message was sent to cannot take it now (${routing.verdict})`, 'address-unavailable');
  const content = await readMail(held.raw);
  const r = held.record;
  const dedupeKey = r.dedupeKey ?? '';
  const plan = planItems(content, routing.address, dedupeKey);
  return deliverToCollection(store, {
    address: routing.address,
    envelope: { messageId: r.messageId, dedupeKey, mailFrom: r.mailFrom, rcptTo: r.rcptTo, remoteAddress: r.remoteAddress, headerFrom: r.headerFrom, subject: r.subject, sizeBytes: r.sizeBytes },
    objects: plan.objects,
    trace: { ...held.trace, parse: { source: plan.source, notes: plan.notes } },
    spamScore: held.spamScore,
    replyFor: () => '250 2.6.0 released from quarantine by the owner and delivered',
    releaseOf: id,
  });
}
