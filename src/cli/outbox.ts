// `tidings outbox list [--state dead|queued|sending|sent]`, `tidings outbox
// retry ID` and `tidings alerts unfreeze COLLECTION_ID`: the dead letters
// made visible and handled by an operator.
import { OPERATOR } from '../domain/access.ts';
import { unfreezeAlerts } from '../domain/alerts/circuit-breaker.ts';
import { OUTBOX_STATES, listOutbox, retryOutboxMessage } from '../domain/outbox/dead-letters.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function outboxCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const { values } = parse(rest, { state: { type: 'string' } }, 0);
      const state = values.state ?? 'dead';
      if (!(OUTBOX_STATES as readonly string[]).includes(state)) throw new UsageError(`--state must be one of ${OUTBOX_STATES.join(', ')}`);
      const messages = await listOutbox(store, OPERATOR, state);
      const lines = messages.map((m) => `${m.id}  ${m.kind}  ${m.recipient}  attempts ${m.attempts}  ${m.createdAt.toISOString()}  ${m.lastError}`);
      out.result(lines.length ? lines.join('\n') : `no ${state} messages`, { messages });
      return;
    }
    case 'retry': {
      const { positionals } = parse(rest, {}, 1);
      const id = requireId(positionals[0], 'message id');
      if (!(await retryOutboxMessage(store, OPERATOR, id))) throw new UsageError(`no dead message ${id}`);
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
  await unfreezeAlerts(store, OPERATOR, id, CLI_AUDIT);
  out.result(`alerts for collection ${id} resume with the next change`, { collectionId: id, frozen: false });
}
