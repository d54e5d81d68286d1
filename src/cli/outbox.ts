// `tidings outbox list [--state dead|queued|sending|sent]`, `tidings outbox
// retry ID` and `tidings alerts unfreeze COLLECTION_ID`: the dead letters
// made visible and handled by an operator.
import { unfreezeAlerts } from '../domain/alerts/circuit-breaker.ts';
import { OUTBOX_QUEUE, requeue } from '../store/leased-queue.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

const STATES = ['queued', 'sending', 'sent', 'dead'] as const;

export async function outboxCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const { values } = parse(rest, { state: { type: 'string' } }, 0);
      const state = (values.state ?? 'dead') as (typeof STATES)[number];
      if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
      const messages = await store.db.outboxMessage.findMany({
        where: { state },
        orderBy: { id: 'desc' },
        take: 200,
        select: { id: true, kind: true, recipient: true, messageId: true, attempts: true, lastError: true, createdAt: true, nextAttemptAt: true },
      });
      const lines = messages.map((m) => `${m.id}  ${m.kind}  ${m.recipient}  attempts ${m.attempts}  ${m.createdAt.toISOString()}  ${m.lastError}`);
      out.result(lines.length ? lines.join('\n') : `no ${state} messages`, { messages });
      return;
    }
    case 'retry': {
      const { positionals } = parse(rest, {}, 1);
      const id = requireId(positionals[0], 'message id');
      if (!(await requeue(store.pool, OUTBOX_QUEUE, id, new Date()))) throw new UsageError(`no dead message ${id}`);
      out.result(`message ${id} queued again`, { id, state: 'queued' });
      return;
    }
    default:
      throw new UsageError(`unknown outbox command "${sub ?? ''}"`);
  }
}

export async function alertsCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'unfreeze') throw new UsageError(`unknown alerts command "${sub ?? ''}"`);
  const { positionals } = parse(rest, {}, 1);
  const id = requireId(positionals[0], 'collection id');
  await unfreezeAlerts(store, null, id, CLI_AUDIT);
  out.result(`alerts for collection ${id} resume with the next change`, { collectionId: id, frozen: false });
}
