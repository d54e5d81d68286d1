// The audit log of administrative and security-relevant actions. Entries are
// written in the same transaction as the action they record.
import type { Prisma } from '../store/prisma.ts';

export type AuditChannel = 'cli' | 'api' | 'caldav' | 'smtp' | 'web' | 'system';

export interface AuditContext {
  actorUserId: bigint | null;
  channel: AuditChannel;
}

export const SYSTEM: AuditContext = { actorUserId: null, channel: 'system' };

export async function recordAudit(
  tx: Prisma.TransactionClient,
  ctx: AuditContext,
  entry: { action: string; targetType: string; targetId: string | bigint; detail?: string },
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      actorUserId: ctx.actorUserId,
      channel: ctx.channel,
      action: entry.action,
      targetType: entry.targetType,
      targetId: String(entry.targetId),
      detail: (entry.detail ?? '').slice(0, 2000),
    },
  });
}
