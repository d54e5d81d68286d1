// `tidings collection add|share|list`
import { OPERATOR } from '../domain/access.ts';
import { requireUserByEmail } from '../domain/accounts.ts';
import { createCollection, listCollections, shareCollection } from '../domain/collections.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function collectionCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(
        rest,
        { 'time-zone': { type: 'string' }, color: { type: 'string' }, description: { type: 'string' }, components: { type: 'string' } },
        2,
      );
      const owner = await requireUserByEmail(store, positionals[0]!);
      const collection = await createCollection(
        store,
        {
          ownerId: owner.id,
          name: positionals[1]!,
          timeZone: values['time-zone'] ?? owner.timeZone,
          color: values.color,
          description: values.description,
          components: values.components?.split(',').map((c) => c.trim().toUpperCase()),
        },
        CLI_AUDIT,
      );
      out.result(`created collection ${collection.id} "${collection.name}" for ${owner.email}`, { collection });
      return;
    }
    case 'share': {
      const { values, positionals } = parse(rest, { role: { type: 'string' } }, 2);
      const id = requireId(positionals[0], 'collection ID');
      if (values.role !== 'editor' && values.role !== 'viewer') throw new UsageError('collection share needs --role editor|viewer');
      const share = await shareCollection(store, OPERATOR, id, positionals[1]!, values.role, CLI_AUDIT);
      out.result(`shared collection ${id} with ${positionals[1]!.toLowerCase()} as ${share.role}`, { collectionId: id, ...share });
      return;
    }
    case 'list': {
      const { positionals } = parse(rest, {}, 1);
      const user = await requireUserByEmail(store, positionals[0]!);
      const collections = await listCollections(store, user.id);
      out.result(collections.map((c) => `${c.id}\t${c.role}\t${c.name}`).join('\n') || '(no collections)', { collections });
      return;
    }
    default:
      throw new UsageError(`unknown collection command "${sub ?? ''}"`);
  }
}
