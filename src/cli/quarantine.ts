// `tidings quarantine list EMAIL | release ID | delete ID` and
// `tidings inbound list EMAIL [--limit N]`: the operator's view of what the
// SMTP robot held or refused. Release and delete act for the message's owner.
import { OPERATOR } from '../domain/access.ts';
import { requireUserByEmail } from '../domain/accounts.ts';
import { deleteQuarantined, listInbound, listQuarantine } from '../domain/quarantine.ts';
import { releaseQuarantined } from '../mail/release.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function quarantineCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const { positionals } = parse(rest, {}, 1);
      const user = await requireUserByEmail(store, positionals[0]!);
      const messages = await listQuarantine(store, user.id);
      const lines = messages.map((m) => `${m.id}\t${m.receivedAt.toISOString()}\tscore=${m.spamScore}\tfrom=${m.headerFrom || m.mailFrom || '<>'}\tto=${m.rcptTo}\t${m.subject}`);
      out.result(lines.join('\n') || '(quarantine is empty)', { messages });
      return;
    }
    case 'release': {
      const { positionals } = parse(rest, {}, 1);
      const id = requireId(positionals[0], 'ID');
      const summary = await releaseQuarantined(store, OPERATOR, id);
      out.result(`released ${id}: ${summary.items.map((i) => `${i.action} ${i.summary || i.uid}`).join(', ') || 'nothing changed'}`, { released: id, items: summary.items });
      return;
    }
    case 'delete': {
      const { positionals } = parse(rest, {}, 1);
      const id = requireId(positionals[0], 'ID');
      await deleteQuarantined(store, OPERATOR, id, CLI_AUDIT);
      out.result(`deleted ${id}`, { deleted: id });
      return;
    }
    default:
      throw new UsageError(`unknown quarantine command "${sub ?? ''}"`);
  }
}

export async function inboundCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new UsageError(`unknown inbound command "${sub ?? ''}"`);
  const { values, positionals } = parse(rest, { limit: { type: 'string' } }, 1);
  const user = await requireUserByEmail(store, positionals[0]!);
  const records = await listInbound(store, user.id, values.limit ? Number(values.limit) : 50);
  const lines = records.map((r) => `${r.id}\t${r.receivedAt.toISOString()}\t${r.outcome}\tfrom=${r.headerFrom || r.mailFrom || '<>'}\tto=${r.rcptTo}\t${r.reply}`);
  out.result(lines.join('\n') || '(no inbound messages)', { messages: records });
}
