// `tidings bounces list [--suspended]` and `tidings bounces clear EMAIL`:
// what came back undeliverable, and lifting a suspension.
import { clearBounces, listBounces } from '../domain/bounces/bounces.ts';
import type { Store } from '../store/index.ts';
import { parse, UsageError } from './args.ts';
import { CLI_AUDIT } from './context.ts';
import type { Output } from './output.ts';

export async function bouncesCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const { values } = parse(rest, { suspended: { type: 'boolean' } }, 0);
      const bounces = await listBounces(store, { suspendedOnly: values.suspended ?? false });
      const lines = bounces.map(
        (b) =>
          `${b.email}  ${b.suspendedAt ? `SUSPENDED since ${b.suspendedAt.toISOString()}: ${b.suspendedReason}` : 'active'}  (hard ${b.hardBounces}, soft ${b.softBounces}; last ${b.lastStatus || '-'} ${b.lastBouncedAt?.toISOString() ?? ''})`,
      );
      out.result(lines.length ? lines.join('\n') : 'no bounces recorded', { bounces });
      return;
    }
    case 'clear': {
      const { positionals } = parse(rest, {}, 1);
      const cleared = await clearBounces(store, positionals[0]!, CLI_AUDIT);
      out.result(`cleared ${cleared.email}${cleared.suspendedAt ? ': mail to it is no longer suspended' : ''}`, { cleared });
      return;
    }
    default:
      throw new UsageError(`unknown bounces command "${sub ?? ''}"`);
  }
}
