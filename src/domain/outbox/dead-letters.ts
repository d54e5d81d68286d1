// The outbox as an administrator sees it: the messages in one state (by
// default the dead letters, which need a person's decision) and putting a
// dead one back in the queue. Admins over the API, the operator at the
// command line.
import type { Store } from '../../store/index.ts';
import { OUTBOX_QUEUE, requeue } from '../../store/leased-queue.ts';
import { requireAdmin, type Actor } from '../access.ts';
import { InvalidInput } from '../errors.ts';

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'dead'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxEntry {
  id: bigint;
  kind: string;
  recipient: string;
  messageId: string;
  state: OutboxState;
  attempts: number;
  lastError: string;
  createdAt: Date;
  nextAttemptAt: Date;
  sentAt: Date | null;
}

/** The newest 200 messages in `state`. */
export async function listOutbox(store: Store, actor: Actor, state: string = 'dead'): Promise<OutboxEntry[]> {
  await requireAdmin(store.db, actor);
  if (!(OUTBOX_STATES as readonly string[]).includes(state)) throw new InvalidInput('state must be queued, sending, sent or dead');
  return store.db.outboxMessage.findMany({
    where: { state: state as OutboxState },
    orderBy: { id: 'desc' },
    take: 200,
    select: { id: true, kind: true, recipient: true, messageId: true, state: true, attempts: true, lastError: true, createdAt: true, nextAttemptAt: true, sentAt: true },
  });
}

/** Queues a dead message again, from its first attempt; false when no dead message has that id. */
export async function retryOutboxMessage(store: Store, actor: Actor, id: bigint, now: Date = new Date()): Promise<boolean> {
  await requireAdmin(store.db, actor);
  return requeue(store.pool, OUTBOX_QUEUE, id, now);
}
