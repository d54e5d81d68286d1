// The store epoch after a restore (DESIGN.md "Restores never revert anyone's
// data"). Every sync token and ctag carries the epoch, so replacing it makes
// every token issued before — including those minted by data newer than the
// restored backup — foreign: clients get DAV:valid-sync-token, fall back to a
// full sync and re-upload what the server lacks.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.ts';
import { recordAudit, type AuditContext } from './audit.ts';

export interface EpochRenewal {
  previous: string | null;
  epoch: string;
}

/** Replaces the store epoch with 128 fresh random bits, audited, in one transaction. */
export async function renewStoreEpoch(store: Store, ctx: AuditContext): Promise<EpochRenewal> {
  const epoch = randomBytes(16).toString('hex');
  return store.db.$transaction(async (tx) => {
    const previous = (await tx.storeEpoch.findUnique({ where: { id: 1 }, select: { epoch: true } }))?.epoch ?? null;
    // createdAt: when this copy of the data got its identity.
    await tx.storeEpoch.upsert({ where: { id: 1 }, create: { id: 1, epoch }, update: { epoch, createdAt: new Date() } });
    await recordAudit(tx, ctx, { action: 'store.epoch.renew', targetType: 'store', targetId: '1', detail: `${previous ?? '(none)'} -> ${epoch}` });
    return { previous, epoch };
  });
}
