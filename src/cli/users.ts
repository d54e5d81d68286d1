// `tidings user add|disable|enable`
import type { Store } from '../store/index.ts';
import { createUser, setUserDisabled } from '../domain/accounts.ts';
import { parse, UsageError } from './args.ts';
import type { Output } from './output.ts';
import { CLI_AUDIT } from './context.ts';

export async function userCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(
        rest,
        { password: { type: 'string' }, admin: { type: 'boolean' }, name: { type: 'string' }, 'time-zone': { type: 'string' }, 'quota-mb': { type: 'string' } },
        1,
      );
      if (!values.password) throw new UsageError('user add needs --password');
      let quotaBytes: bigint | undefined;
      if (values['quota-mb'] !== undefined) {
        if (!/^\d{1,9}$/.test(values['quota-mb'])) throw new UsageError('--quota-mb must be a whole number of MiB');
        quotaBytes = BigInt(values['quota-mb']) * 1024n * 1024n;
      }
      const user = await createUser(
        store,
        { email: positionals[0]!, password: values.password, isAdmin: values.admin ?? false, displayName: values.name, timeZone: values['time-zone'], quotaBytes },
        CLI_AUDIT,
      );
      out.result(`created user ${user.email} (id ${user.id}${user.isAdmin ? ', admin' : ''})`, { user });
      return;
    }
    case 'disable':
    case 'enable': {
      const { positionals } = parse(rest, {}, 1);
      const user = await setUserDisabled(store, positionals[0]!, sub === 'disable', CLI_AUDIT);
      out.result(`${sub}d user ${user.email}`, { user });
      return;
    }
    default:
      throw new UsageError(`unknown user command "${sub ?? ''}"`);
  }
}
