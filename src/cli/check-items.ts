// `tidings check-items`: run once after upgrading, and whenever in doubt:
// lists stored items that break today's limits on calendar data
// (domain/item-check.ts). Changes nothing: the owners fix or delete them.
import { checkStoredItems } from '../domain/item-check.ts';
import type { Store } from '../store/index.ts';
import { parse } from './args.ts';
import type { Output } from './output.ts';

export async function checkItemsCommand(store: Store, args: string[], out: Output): Promise<void> {
  parse(args, {}, 0);
  const result = await checkStoredItems(store);
  const lines = [
    `${result.checked} item(s) checked; ${result.problems.length} break the limits on calendar data`,
    ...result.problems.map((p) => `  collection ${p.collectionId} (${p.ownerEmail}) ${p.resourceName} UID ${p.uid}: ${p.reason}`),
  ];
  out.result(lines.join('\n'), result);
}
