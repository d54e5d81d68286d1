// A message to one person about one collection: who it goes to, and the user
// and collection the outbox counts it against (budgets, bounces).
import type { CollectionInfo, Recipient } from '../../../domain/alerts/composer.ts';

export function addressedTo(c: Pick<CollectionInfo, 'id'>, r: Recipient): { to: string; toName: string | undefined; userId: bigint; collectionId: bigint } {
  return { to: r.email, toName: r.displayName || undefined, userId: r.userId, collectionId: c.id };
}
