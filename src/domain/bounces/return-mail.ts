// Mail to Tidings' own return addresses, which the SMTP robot finds in the
// routing table as kind 'bounce': bounces+<verp token>@MAIL_DOMAIN (DSNs,
// RFC 3464) and unsubscribe+<token>@MAIL_DOMAIN (the List-Unsubscribe mailto,
// RFC 2369). Neither ever creates an item or gets an automatic reply.
import type { Store } from '../../store/index.ts';
import { mysqlRunner } from '../../store/sql.ts';
import { unsubscribeWithToken } from '../alerts/unsubscribe.ts';
import { handleBounce, type BounceOutcome } from './bounces.ts';

export const BOUNCE_LOCAL_PART = 'bounces';
export const UNSUBSCRIBE_LOCAL_PART = 'unsubscribe';

export type ReturnMailOutcome =
  | ({ kind: 'bounce' } & BounceOutcome)
  | { kind: 'unsubscribe'; done: boolean; collectionId?: bigint; userId?: bigint }
  | { kind: 'not-ours' };

export interface ReturnMailSettings {
  unsubscribeSecret: string;
  bounceSuspendThreshold: number;
}

/** Handles one message to a return address (`rcptTo` as given in RCPT TO). */
export async function receiveReturnMail(store: Store, settings: ReturnMailSettings, rcptTo: string, raw: string | Buffer, now = new Date()): Promise<ReturnMailOutcome> {
  const at = rcptTo.lastIndexOf('@');
  const local = (at > 0 ? rcptTo.slice(0, at) : rcptTo).replace(/^<|>$/g, '').toLowerCase();
  const plus = local.indexOf('+');
  const base = plus >= 0 ? local.slice(0, plus) : local;
  const tag = plus >= 0 ? local.slice(plus + 1) : '';
  if (base === BOUNCE_LOCAL_PART && tag) {
    return { kind: 'bounce', ...(await handleBounce(store, tag, raw, { threshold: settings.bounceSuspendThreshold, now })) };
  }
  if (base === UNSUBSCRIBE_LOCAL_PART && tag) {
    const done = await unsubscribeWithToken(store, settings.unsubscribeSecret, tag, 'smtp');
    return done ? { kind: 'unsubscribe', done: true, collectionId: done.collectionId, userId: done.userId } : { kind: 'unsubscribe', done: false };
  }
  return { kind: 'not-ours' };
}

/**
 * Puts both return addresses in the routing table (kind 'bounce'). They are
 * the service's and belong to no user (userId NULL): no account lists or
 * exports them, and none takes them along when it is deleted. Safe to repeat
 * (the unique key on the address makes a second insert a no-op).
 */
export async function ensureReturnRoutes(store: Store, mailDomain: string): Promise<void> {
  const domain = mailDomain.toLowerCase();
  const now = new Date();
  await mysqlRunner(store.pool).run(
    `INSERT IGNORE INTO submission_addresses (localPart, domain, kind, collectionId, userId, policy, enabled, createdAt)
     VALUES (?, ?, 'bounce', NULL, NULL, 'anyone', true, ?), (?, ?, 'bounce', NULL, NULL, 'anyone', true, ?)`,
    [BOUNCE_LOCAL_PART, domain, now, UNSUBSCRIBE_LOCAL_PART, domain, now],
  );
}
