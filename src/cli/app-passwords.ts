// `tidings app-password add|list|revoke`
import { requireUserByEmail } from '../domain/accounts.ts';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../domain/app-passwords.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function appPasswordCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, { label: { type: 'string' } }, 1);
      if (!values.label) throw new UsageError('app-password add needs --label');
      const user = await requireUserByEmail(store, positionals[0]!);
      const created = await createAppPassword(store, user.id, values.label, CLI_AUDIT);
      out.result(`app password ${created.id} "${created.label}" for ${user.email} (shown once, store it now):\n${created.password}`, { appPassword: created, email: user.email });
      return;
    }
    case 'list': {
      const { positionals } = parse(rest, {}, 1);
      const user = await requireUserByEmail(store, positionals[0]!);
      const list = await listAppPasswords(store, user.id);
      const lines = list.map((a) => `${a.id}\t${a.label}\tcreated ${a.createdAt.toISOString()}\tlast used ${a.lastUsedAt?.toISOString() ?? 'never'}`);
      out.result(lines.join('\n') || '(no app passwords)', { appPasswords: list });
      return;
    }
    case 'revoke': {
      const { positionals } = parse(rest, {}, 2);
      const user = await requireUserByEmail(store, positionals[0]!);
      const id = requireId(positionals[1], 'app password ID');
      await revokeAppPassword(store, user.id, id, CLI_AUDIT);
      out.result(`revoked app password ${id} of ${user.email}`, { revoked: id, email: user.email });
      return;
    }
    default:
      throw new UsageError(`unknown app-password command "${sub ?? ''}"`);
  }
}
