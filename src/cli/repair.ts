// `tidings repair timezones [--dry-run]`: gives items stored by an older
// version the VTIMEZONE of every TZID they name (domain/timezone-repair.ts).
// Run once after upgrading; running it again finds nothing to do.
import { repairMissingVtimezones } from '../domain/timezone-repair.ts';
import type { Store } from '../store/index.ts';
import { parse, UsageError } from './args.ts';
import type { Output } from './output.ts';

export async function repairCommand(store: Store, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'timezones': {
      const { values } = parse(rest, { 'dry-run': { type: 'boolean' } }, 0);
      const dryRun = values['dry-run'] === true;
      const result = await repairMissingVtimezones(store, { dryRun });
      const lines = [
        `${result.scanned} item(s) naming a time zone checked; ${result.repaired.length} ${dryRun ? 'would be given' : 'given'} the VTIMEZONEs they lacked`,
        ...result.repaired.map((r) => `  collection ${r.collectionId} ${r.resourceName}: ${r.added.join(', ')}`),
        ...result.unreadable.map((r) => `  collection ${r.collectionId} ${r.resourceName}: left as it is (${r.reason})`),
      ];
      out.result(lines.join('\n'), { dryRun, ...result });
      return;
    }
    default:
      throw new UsageError(`unknown repair command "${sub ?? ''}"`);
  }
}
