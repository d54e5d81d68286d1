// Webhooks: a member's HTTPS endpoint for one collection's changes, the
// second alert channel. Registration checks the URL (HTTPS, no credentials
// in it) and every address its host resolves to against the address policy;
// deliveries check again at connect time (src/jobs/webhook-post.ts).
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Store } from '../../store/index.ts';
import { requireRead } from '../access.ts';
import { recordAudit, type AuditContext } from '../audit.ts';
import { InvalidInput, NotFound } from '../errors.ts';
import type { AddressPolicy } from './address-policy.ts';

export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface WebhookGuard {
  policy: AddressPolicy;
  resolve: Resolve;
}

export interface WebhookView {
  id: bigint;
  collectionId: bigint;
  url: string;
  createdAt: Date;
  lastSuccessAt: Date | null;
}

/** The URL, parsed, if it is an HTTPS URL whose host resolves only to allowed addresses. */
export async function checkWebhookUrl(raw: string, guard: WebhookGuard): Promise<{ url: URL; addresses: Array<{ address: string; family: number }> }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInput('the webhook URL is not a valid URL', 'webhook-url');
  }
  if (url.protocol !== 'https:') throw new InvalidInput('webhooks must use https://', 'webhook-url');
  if (url.username || url.password) throw new InvalidInput('a webhook URL must not carry a user name or password', 'webhook-url');
  if (raw.length > 2000) throw new InvalidInput('the webhook URL is longer than 2000 characters', 'webhook-url');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    // An address literal is its own answer; a name asks the resolver.
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await guard.resolve(host);
  } catch {
    throw new InvalidInput(`the webhook host ${host} does not resolve`, 'webhook-url');
  }
  if (addresses.length === 0) throw new InvalidInput(`the webhook host ${host} does not resolve`, 'webhook-url');
  for (const a of addresses) {
    const why = guard.policy.refuse(a.address);
    if (why) throw new InvalidInput(`the webhook host ${host} resolves to ${a.address}, ${/^[aeiou]/i.test(why) ? 'an' : 'a'} ${why} address; webhooks may only reach public addresses`, 'webhook-address');
  }
  return { url, addresses };
}

/** Registers (or replaces) the user's webhook for the collection; the secret is returned once. */
export async function registerWebhook(
  store: Store,
  userId: bigint,
  collectionId: bigint,
  rawUrl: string,
  guard: WebhookGuard,
  ctx: AuditContext,
): Promise<WebhookView & { secret: string }> {
  await requireRead(store.db, userId, collectionId);
  const { url } = await checkWebhookUrl(rawUrl, guard);
  const secret = randomBytes(32).toString('hex');
  return store.db.$transaction(async (tx) => {
    const row = await tx.webhook.upsert({
      where: { userId_collectionId: { userId, collectionId } },
      create: { userId, collectionId, url: url.toString(), secret },
      update: { url: url.toString(), secret, lastSuccessAt: null },
    });
    await recordAudit(tx, ctx, { action: 'webhook.register', targetType: 'collection', targetId: collectionId, detail: url.origin });
    return { id: row.id, collectionId, url: row.url, createdAt: row.createdAt, lastSuccessAt: row.lastSuccessAt, secret };
  });
}

export async function getWebhook(store: Store, userId: bigint, collectionId: bigint): Promise<WebhookView | null> {
  await requireRead(store.db, userId, collectionId);
  const row = await store.db.webhook.findUnique({ where: { userId_collectionId: { userId, collectionId } } });
  return row ? { id: row.id, collectionId, url: row.url, createdAt: row.createdAt, lastSuccessAt: row.lastSuccessAt } : null;
}

export async function removeWebhook(store: Store, userId: bigint, collectionId: bigint, ctx: AuditContext): Promise<void> {
  await requireRead(store.db, userId, collectionId);
  await store.db.$transaction(async (tx) => {
    const { count } = await tx.webhook.deleteMany({ where: { userId, collectionId } });
    if (count === 0) throw new NotFound('no webhook registered for this collection');
    await recordAudit(tx, ctx, { action: 'webhook.remove', targetType: 'collection', targetId: collectionId });
  });
}
