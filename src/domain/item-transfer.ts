// COPY and MOVE of one item between collections (CalDAV): one write of
// item-write.ts (the source's deletion on a MOVE, the replaced destination's
// deletion, the copy), so a refused destination leaves the source as it was.
import type { Store } from '../store/index.ts';
import { NotFound, PreconditionFailed } from './errors.ts';
import {
  commitWrite,
  contentFromText,
  itemIn,
  planDelete,
  planPut,
  readable,
  readTargets,
  validateResourceName,
  writable,
  writeWithRetries,
  type ItemOrigin,
  type WriteStep,
} from './item-write.ts';
import type { ItemWriteResult } from './items.ts';

export interface TransferItemInput {
  actorUserId: bigint;
  origin: ItemOrigin;
  /** MOVE deletes the source in the same transaction; COPY leaves it. */
  move: boolean;
  from: { collectionId: bigint; resourceName: string; ifMatch?: string };
  to: { collectionId: bigint; resourceName: string; overwrite: boolean };
}

/**
 * COPY or MOVE of one item (RFC 4918 9.8, 9.9) between collections the actor
 * may write to (a COPY source need only be readable): one transaction, so a
 * refused destination leaves the source as it was. An existing destination is
 * replaced only when `overwrite` allows it. The first attempt guesses that the
 * item's UID is not stored in the destination under another name; if it is,
 * the copy's INSERT meets its unique key and the next attempt reads by UID
 * (and answers no-uid-conflict, RFC 4791 5.3.2.1).
 */
export async function transferItem(store: Store, input: TransferItemInput): Promise<ItemWriteResult & { replaced: boolean }> {
  validateResourceName(input.from.resourceName);
  validateResourceName(input.to.resourceName);
  const from = input.from.collectionId;
  const to = input.to.collectionId;
  let uid: string | undefined;
  return writeWithRetries(async (attempt) => {
    const byUid = attempt > 1 && uid !== undefined;
    const reads = await readTargets(store, {
      actorUserId: input.actorUserId,
      collectionIds: from === to ? [from] : [from, to],
      names: [
        [from, input.from.resourceName],
        [to, input.to.resourceName],
      ],
      uids: byUid ? [[to, uid!]] : [],
    });
    const sourceCollection = input.move ? writable(reads, from) : readable(reads, from);
    const source = itemIn(reads, from, 'resourceName', input.from.resourceName);
    if (!source) throw new NotFound(`no item ${input.from.resourceName}`);
    if (input.from.ifMatch !== undefined && input.from.ifMatch !== '*' && input.from.ifMatch !== source.etag) {
      throw new PreconditionFailed('the source has changed since you read it (ETag mismatch)');
    }
    const target = writable(reads, to);
    const content = contentFromText(source.icalendar, target);
    uid = content.parsed.uid;

    const steps: WriteStep[] = [];
    // The batch deletes the source only at the version read here.
    if (input.move) steps.push(planDelete(sourceCollection, source, input.from.resourceName));
    const replaced = itemIn(reads, to, 'resourceName', input.to.resourceName);
    if (replaced && !input.to.overwrite) throw new PreconditionFailed('the destination exists and Overwrite is F');
    if (replaced) steps.push(planDelete(target, replaced, input.to.resourceName));
    // What this write deletes no longer holds the UID or the name.
    const gone = new Set(steps.map((s) => s.existing!.id));
    const holder = byUid ? itemIn(reads, to, 'uid', uid) : undefined;
    const put = planPut(target, content, input.to.resourceName, { atName: null, byUid: holder && gone.has(holder.id) ? null : holder });
    steps.push(put);
    const { steps: results } = await commitWrite(store, { actorUserId: input.actorUserId, origin: input.origin, steps });
    const r = results[results.length - 1]!;
    return {
      created: true,
      uid: content.parsed.uid,
      resourceName: put.resourceName,
      etag: r.etag,
      version: r.version,
      position: r.position,
      changedFields: put.changed,
      rewritten: content.rewritten,
      replaced: replaced !== null,
    };
  });
}
