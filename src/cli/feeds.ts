// `tidings feed add|revoke`
import type { Config } from '../config.ts';
import { createFeed, revokeFeed } from '../domain/feeds.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function feedCommand(store: Store, config: Config, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values } = parse(rest, { collection: { type: 'string' } }, 0);
      const collectionId = requireId(values.collection, '--collection');
      const feed = await createFeed(store, collectionId, CLI_AUDIT);
      const url = `${config.publicUrl}/feeds/${feed.token}.ics`;
      out.result(url, { id: feed.id, collectionId, token: feed.token, url });
      return;
    }
    case 'revoke': {
      const { positionals } = parse(rest, {}, 1);
      // Accept the whole URL as well as the bare token.
      const token = positionals[0]!.replace(/^.*\/feeds\//, '').replace(/\.ics$/, '');
      await revokeFeed(store, token, CLI_AUDIT);
      out.result('revoked the feed', { revoked: true });
      return;
    }
    default:
      throw new UsageError(`unknown feed command "${sub ?? ''}"`);
  }
}
