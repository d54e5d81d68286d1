// What the alert runs hand to whoever words their mail (the outgoing-mail
// wing, src/mail/outgoing/compose/): the collection, the recipient and what
// happened, in the domain's terms. The runs decide who hears of what and
// queue the messages in their own transaction; a composer only words them.
import type { Role } from '../access.ts';
import type { OutgoingMessage } from '../outbox/enqueue.ts';
import type { ItemChange } from './change-summary.ts';
import type { ItemDetails, ItemSnapshot } from './item-details.ts';
import type { Occurrence } from './occurrences.ts';

export interface CollectionInfo {
  id: bigint;
  name: string;
  timeZone: string;
}

export interface Recipient {
  userId: bigint;
  email: string;
  displayName: string;
  timeZone: string;
  /** Their role in the collection, where they are a member: the footer says why they get the mail. */
  role?: Role;
}

/** What a batch's items look like now and before, and who made the changes. */
export interface BatchDetails {
  items: Map<string, ItemDetails>;
  snapshots: Map<string, ItemSnapshot>;
  actors: Map<bigint, string>;
}

export interface AgendaEntry {
  occurrence: Occurrence;
  resourceName: string;
}

export interface DigestInput {
  localDate: string;
  yesterday: string;
  changes: ItemChange[];
  details: BatchDetails;
  agenda: AgendaEntry[];
}

export interface ReminderInput {
  occurrence: Occurrence;
  uid: string;
  resourceName: string;
  icalendar: string;
}

export interface AlertFreezeNotice {
  reason: string;
  frozenAt: Date;
}

export interface AlertComposer {
  /** The immediate alert of a batch's changes (without the recipient's own). */
  alert(c: CollectionInfo, r: Recipient, changes: ItemChange[], d: BatchDetails): OutgoingMessage;
  /** To the owner and the admins when the circuit breaker freezes the collection's alerts. */
  frozenNotice(c: CollectionInfo, r: Recipient, freeze: AlertFreezeNotice): OutgoingMessage;
  digest(c: CollectionInfo, r: Recipient, d: DigestInput): OutgoingMessage;
  reminder(c: CollectionInfo, r: Recipient, x: ReminderInput): OutgoingMessage;
}
