// `tidings epoch renew`: run right after restoring a backup, so every sync
// token and ctag issued before becomes foreign (DAV:valid-sync-token) and
// clients resynchronise in full instead of missing changes.
import { renewStoreEpoch } from '../domain/epoch.ts';
import type { Store } from '../store/index.ts';
import { parse, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function epochCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'renew': {
      parse(rest, {}, 0);
      const renewal = await renewStoreEpoch(store, CLI_AUDIT);
      out.result(`store epoch renewed: every sync token and ctag issued before is now refused (${renewal.epoch})`, renewal);
      return;
    }
    default:
      throw new UsageError(`unknown epoch command "${sub ?? ''}"`);
  }
}
