// Bounces: a DSN arriving at the VERP address bounces+<token>@MAIL_DOMAIN is
// tied to the outbox row that carried the token, so the recipient comes from
// our own record (forwarding may have rewritten the DSN's Final-Recipient)
// and a forged report without a real token changes nothing. Hard bounces
// count per address; at the threshold mail to the address is suspended with
// the reason recorded, until an admin clears it.
import type { Store } from '../../store/index.ts';
import { prismaRunner } from '../../store/sql.ts';
import { recordAudit, SYSTEM, type AuditContext } from '../audit.ts';
import { normalizeEmail } from '../accounts.ts';
import { NotFound } from '../errors.ts';
import { isHardBounce, parseDsn, type DsnRecipient } from './dsn.ts';

export const DEFAULT_BOUNCE_THRESHOLD = 3;

export interface BounceOutcome {
  outcome: 'unknown-token' | 'not-a-dsn' | 'no-failure' | 'duplicate' | 'hard' | 'soft';
  recipient?: string;
  status?: string;
  hardBounces?: number;
  suspended?: boolean;
}

export interface AddressBounces {
  email: string;
  hardBounces: number;
  softBounces: number;
  lastStatus: string;
  lastDiagnostic: string;
  lastBouncedAt: Date | null;
  suspendedAt: Date | null;
  suspendedReason: string;
}

function pick(recipients: DsnRecipient[], ours: string): DsnRecipient[] {
  const matching = recipients.filter((r) => r.finalRecipient === ours);
  return matching.length > 0 ? matching : recipients;
}

/**
 * Records the DSN `rawDsn` that came back for the message with VERP tag
 * `verpToken`. Idempotent per message: a report delivered twice counts once
 * (the outbox row keeps a "bounced:" or "delayed:" mark).
 */
export async function handleBounce(
  store: Store,
  verpToken: string,
  rawDsn: string | Buffer,
  options: { threshold?: number; now?: Date } = {},
): Promise<BounceOutcome> {
  const threshold = options.threshold ?? DEFAULT_BOUNCE_THRESHOLD;
  const now = options.now ?? new Date();
  const token = verpToken.trim().toLowerCase();
  const row = await store.db.outboxMessage.findUnique({ where: { verpToken: token }, select: { id: true, recipient: true, lastError: true } });
  if (!row) return { outcome: 'unknown-token' };
  const report = parseDsn(rawDsn);
  if (!report) return { outcome: 'not-a-dsn', recipient: row.recipient };
  const relevant = pick(report.recipients, row.recipient);
  const hard = relevant.find(isHardBounce);
  const soft = relevant.find((r) => r.action === 'delayed' || r.action === 'failed');
  const which = hard ?? soft;
  if (!which) return { outcome: 'no-failure', recipient: row.recipient };
  const mark = hard ? 'bounced' : 'delayed';

  return store.db.$transaction(async (tx) => {
    const sql = prismaRunner(tx);
    // The mark on the outbox row makes a repeated report a no-op.
    const marked = await sql.run(
      `UPDATE outbox SET lastError = ? WHERE id = ? AND lastError NOT LIKE 'bounced:%'${hard ? '' : " AND lastError NOT LIKE 'delayed:%'"}`,
      [`${mark}: ${which.status} ${which.diagnostic}`.slice(0, 1000), row.id],
    );
    if (marked === 0) return { outcome: 'duplicate', recipient: row.recipient, status: which.status };
    await sql.run(
      `INSERT INTO mail_bounces (email, hardBounces, softBounces, lastStatus, lastDiagnostic, lastBouncedAt) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE hardBounces = hardBounces + VALUES(hardBounces), softBounces = softBounces + VALUES(softBounces),
         lastStatus = VALUES(lastStatus), lastDiagnostic = VALUES(lastDiagnostic), lastBouncedAt = VALUES(lastBouncedAt)`,
      [row.recipient, hard ? 1 : 0, hard ? 0 : 1, which.status.slice(0, 16), which.diagnostic.slice(0, 1000), now],
    );
    const state = await tx.mailBounce.findUniqueOrThrow({ where: { email: row.recipient } });
    let suspended = state.suspendedAt !== null;
    if (hard && !suspended && state.hardBounces >= threshold) {
      const reason = `${state.hardBounces} hard bounces (threshold ${threshold}); last: ${which.status} ${which.diagnostic}`.slice(0, 1000);
      await tx.mailBounce.update({ where: { email: row.recipient }, data: { suspendedAt: now, suspendedReason: reason } });
      await recordAudit(tx, SYSTEM, { action: 'mail.suspend', targetType: 'address', targetId: row.recipient.slice(0, 64), detail: reason });
      suspended = true;
    }
    return { outcome: hard ? 'hard' : 'soft', recipient: row.recipient, status: which.status, hardBounces: state.hardBounces, suspended };
  });
}

export async function listBounces(store: Store, filter: { suspendedOnly?: boolean } = {}): Promise<AddressBounces[]> {
  return store.db.mailBounce.findMany({
    where: filter.suspendedOnly ? { suspendedAt: { not: null } } : {},
    orderBy: [{ suspendedAt: 'desc' }, { lastBouncedAt: 'desc' }],
    take: 1000,
  });
}

/** Forgets the address's bounces and lifts its suspension (an admin's decision). */
export async function clearBounces(store: Store, email: string, ctx: AuditContext): Promise<AddressBounces> {
  const address = normalizeEmail(email);
  return store.db.$transaction(async (tx) => {
    const row = await tx.mailBounce.findUnique({ where: { email: address } });
    if (!row) throw new NotFound(`no bounces recorded for ${address}`);
    await tx.mailBounce.delete({ where: { email: address } });
    await recordAudit(tx, ctx, { action: 'mail.unsuspend', targetType: 'address', targetId: address.slice(0, 64), detail: row.suspendedReason });
    return row;
  });
}

/** Whether mail to `email` is suspended (for single sends; fan-outs join mail_bounces instead). */
export async function isSuspended(store: Store, email: string): Promise<boolean> {
  const row = await store.db.mailBounce.findUnique({ where: { email: email.trim().toLowerCase() }, select: { suspendedAt: true } });
  return row?.suspendedAt != null;
}
