// `tidings address add|list|disable|enable|rotate`
import type { Config } from '../config.ts';
import { ITEM_MODES, SENDER_POLICIES } from '../consts.ts';
import { OPERATOR } from '../domain/access.ts';
import { createCollectionAddress, listAddresses, rotateAddress, setAddressEnabled, type ItemMode, type SenderPolicy } from '../domain/addresses.ts';
import type { Store } from '../store/index.ts';
import { parse, requireId, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function addressCommand(store: Store, config: Config, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values } = parse(
        rest,
        { collection: { type: 'string' }, policy: { type: 'string' }, mode: { type: 'string' }, allow: { type: 'string', multiple: true }, confirm: { type: 'boolean' } },
        0,
      );
      const collectionId = requireId(values.collection, '--collection');
      if (values.policy !== undefined && !(SENDER_POLICIES as readonly string[]).includes(values.policy)) {
        throw new UsageError(`--policy must be one of ${SENDER_POLICIES.join('|')}`);
      }
      if (values.mode !== undefined && !(ITEM_MODES as readonly string[]).includes(values.mode)) {
        throw new UsageError(`--mode must be one of ${ITEM_MODES.join('|')}`);
      }
      const address = await createCollectionAddress(
        store,
        {
          actorUserId: OPERATOR,
          collectionId,
          domain: config.mailDomain,
          policy: values.policy as SenderPolicy | undefined,
          itemMode: values.mode as ItemMode | undefined,
          allowlist: values.allow?.flatMap((a) => a.split(',')),
          confirmations: values.confirm ?? false,
        },
        CLI_AUDIT,
      );
      out.result(address.address, { address });
      return;
    }
    case 'list': {
      const { values } = parse(rest, { collection: { type: 'string' } }, 0);
      const collectionId = values.collection === undefined ? undefined : requireId(values.collection, '--collection');
      const addresses = await listAddresses(store, { collectionId });
      const lines = addresses.map(
        (a) => `${a.address}\tcollection=${a.collectionId ?? '-'}\tpolicy=${a.policy}\tmode=${a.itemMode}\t${a.enabled ? 'enabled' : 'disabled'}\tused=${a.useCount}`,
      );
      out.result(lines.join('\n') || '(no addresses)', { addresses });
      return;
    }
    case 'disable':
    case 'enable': {
      const { positionals } = parse(rest, {}, 1);
      const address = await setAddressEnabled(store, positionals[0]!, sub === 'enable', CLI_AUDIT);
      out.result(`${sub}d ${address.address}`, { address });
      return;
    }
    case 'rotate': {
      const { positionals } = parse(rest, {}, 1);
      const address = await rotateAddress(store, positionals[0]!, CLI_AUDIT);
      out.result(address.address, { address, previous: positionals[0]!.toLowerCase() });
      return;
    }
    default:
      throw new UsageError(`unknown address command "${sub ?? ''}"`);
  }
}
