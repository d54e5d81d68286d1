// Unsubscribe links (RFC 2369, RFC 8058): a token naming one member's
// subscription to one collection, signed with HMAC-SHA256, so the link works
// without login or cookies and can change nothing else. Tokens are
// lower-case (they also ride in a mailto local part, which MTAs may fold).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/index.ts';
import { recordAudit } from '../audit.ts';
import { serviceSecret } from '../service-secrets.ts';
import { effectiveMode } from './subscriptions.ts';

/**
 * The key of the tokens, for everything that makes or checks one (alert
 * mail, the web's unsubscribe page, mail to the mailto link):
 * UNSUBSCRIBE_SECRET when configured, else the one kept in the database, so
 * every instance agrees. The getter reads the database once, and again only
 * after a failed read.
 */
export function unsubscribeSecret(store: Store, configured: string | null): () => Promise<string> {
  if (configured) {
    const known = Promise.resolve(configured);
    return () => known;
  }
  let kept: Promise<string> | null = null;
  return () => {
    kept ??= serviceSecret(store, 'unsubscribe').catch((err: unknown) => {
      kept = null;
      throw err;
    });
    return kept;
  };
}

const TOKEN = /^(\d{1,19})\.(\d{1,19})\.([0-9a-f]{32})$/;

function mac(secret: string, userId: bigint, collectionId: bigint): string {
  return createHmac('sha256', secret).update(`unsubscribe\n${userId}\n${collectionId}`).digest('hex').slice(0, 32);
}

export function unsubscribeToken(secret: string, userId: bigint, collectionId: bigint): string {
  return `${userId}.${collectionId}.${mac(secret, userId, collectionId)}`;
}

/** The subscription a token names, or null when it is malformed or its signature is wrong. */
export function verifyUnsubscribeToken(secret: string, token: string): { userId: bigint; collectionId: bigint } | null {
  const m = TOKEN.exec(token.trim().toLowerCase());
  if (!m) return null;
  const userId = BigInt(m[1]!);
  const collectionId = BigInt(m[2]!);
  const expected = Buffer.from(mac(secret, userId, collectionId));
  const given = Buffer.from(m[3]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { userId, collectionId } : null;
}

export interface UnsubscribeTarget {
  userId: bigint;
  collectionId: bigint;
  email: string;
  collectionName: string;
  /** The current mode (after an unsubscribe: off). */
  mode: string;
}

/** What a valid token would unsubscribe, read-only (the GET page); null when invalid or gone. */
export async function describeUnsubscribe(store: Store, secret: string, token: string): Promise<UnsubscribeTarget | null> {
  const ids = verifyUnsubscribeToken(secret, token);
  if (!ids) return null;
  const member = await store.db.collectionMember.findUnique({
    where: { collectionId_userId: { collectionId: ids.collectionId, userId: ids.userId } },
    select: { user: { select: { email: true } }, collection: { select: { name: true } } },
  });
  if (!member) return null;
  const sub = await store.db.alertSubscription.findUnique({ where: { collectionId_userId: ids }, select: { mode: true } });
  return { ...ids, email: member.user.email, collectionName: member.collection.name, mode: effectiveMode(sub?.mode) };
}

/** Turns that one subscription off (the POST, or mail to the mailto link); null when the token is invalid. */
export async function unsubscribeWithToken(store: Store, secret: string, token: string, channel: 'web' | 'smtp'): Promise<UnsubscribeTarget | null> {
  const target = await describeUnsubscribe(store, secret, token);
  if (!target) return null;
  await store.db.$transaction(async (tx) => {
    const key = { collectionId: target.collectionId, userId: target.userId };
    await tx.alertSubscription.upsert({ where: { collectionId_userId: key }, create: { ...key, mode: 'off' }, update: { mode: 'off' } });
    await recordAudit(tx, { actorUserId: target.userId, channel }, { action: 'alerts.unsubscribe', targetType: 'collection', targetId: target.collectionId });
  });
  return { ...target, mode: 'off' };
}
