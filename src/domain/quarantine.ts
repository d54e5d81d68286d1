// The owner's view of inbound mail: the record of every message sent to
// their addresses (so no rejection is a mystery) and the quarantine of
// messages that scored as possible spam, which the owner may release (it is
// then delivered as if it had passed) or delete. A user sees only their own;
// the operator acts on any (for its owner).
import type { Store } from '../store/index.ts';
import { OPERATOR, type Actor } from './access.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { NotFound } from './errors.ts';
import type { InboundEnvelope } from './inbound-write.ts';

export interface InboundRecord extends Omit<InboundEnvelope, 'dedupeKey'> {
  id: bigint;
  addressId: bigint;
  collectionId: bigint | null;
  outcome: string;
  reply: string;
  spamScore: number | null;
  trace: unknown;
  receivedAt: Date;
}

export interface QuarantineEntry {
  id: bigint;
  addressId: bigint;
  rcptTo: string;
  headerFrom: string;
  mailFrom: string;
  subject: string;
  spamScore: number;
  spamSymbols: string[];
  sizeBytes: number;
  receivedAt: Date;
}

export async function listInbound(store: Store, userId: bigint, limit = 100): Promise<InboundRecord[]> {
  const rows = await store.db.inboundMessage.findMany({
    where: { userId },
    orderBy: { id: 'desc' },
    take: Math.min(Math.max(limit, 1), 1000),
    omit: { dedupeKey: true, userId: true },
  });
  return rows.map((r) => ({ ...r, trace: safeJson(r.trace) }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function listQuarantine(store: Store, userId: bigint): Promise<QuarantineEntry[]> {
  const rows = await store.db.quarantinedMessage.findMany({
    where: { userId },
    orderBy: { createdAt: 'desc' },
    select: { spamScore: true, spamSymbols: true, inboundMessage: true },
  });
  return rows.map((r) => ({
    id: r.inboundMessage.id,
    addressId: r.inboundMessage.addressId,
    rcptTo: r.inboundMessage.rcptTo,
    headerFrom: r.inboundMessage.headerFrom,
    mailFrom: r.inboundMessage.mailFrom,
    subject: r.inboundMessage.subject,
    spamScore: r.spamScore,
    spamSymbols: r.spamSymbols ? r.spamSymbols.split(',') : [],
    sizeBytes: r.inboundMessage.sizeBytes,
    receivedAt: r.inboundMessage.receivedAt,
  }));
}

/** Which held message the actor may reach: their own, or any for the operator. */
const heldBy = (actor: Actor, id: bigint) => (actor === OPERATOR ? { inboundMessageId: id } : { inboundMessageId: id, userId: actor });

/** The held message as received, with what a release needs; NotFound unless it is the actor's. */
export async function getQuarantined(store: Store, actor: Actor, id: bigint) {
  const row = await store.db.quarantinedMessage.findFirst({
    where: heldBy(actor, id),
    select: { raw: true, spamScore: true, inboundMessage: true },
  });
  if (!row) throw new NotFound(`no quarantined message ${id}`);
  return { raw: Buffer.from(row.raw), spamScore: row.spamScore, record: row.inboundMessage, trace: safeJson(row.inboundMessage.trace) as Record<string, unknown> };
}

export async function deleteQuarantined(store: Store, actor: Actor, id: bigint, ctx: AuditContext): Promise<void> {
  await store.db.$transaction(async (tx) => {
    const { count } = await tx.quarantinedMessage.deleteMany({ where: heldBy(actor, id) });
    if (count === 0) throw new NotFound(`no quarantined message ${id}`);
    await tx.inboundMessage.update({ where: { id }, data: { reply: 'deleted from quarantine by its owner' } });
    await recordAudit(tx, ctx, { action: 'quarantine.delete', targetType: 'inbound-message', targetId: id });
  });
}
