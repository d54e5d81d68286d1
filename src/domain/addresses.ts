// Submission addresses: the routing table the SMTP robot reads. Local parts
// are random (ADDRESS_RANDOM_BITS bits) in Crockford's base32 alphabet (no
// i, l, o, u), grouped by four, so people can read them out and type them.
import { randomBytes } from 'node:crypto';
import { ADDRESS_RANDOM_BITS, ITEM_MODES, SENDER_POLICIES } from '../consts.ts';
import type { Store } from '../store/index.ts';
import { requireOwnerOrOperator, type Actor } from './access.ts';
import { recordAudit, type AuditContext } from './audit.ts';
import { InvalidInput, NotFound } from './errors.ts';
import { isUniqueViolation } from './prisma-errors.ts';

export type SenderPolicy = (typeof SENDER_POLICIES)[number];
export type ItemMode = (typeof ITEM_MODES)[number];

export interface SubmissionAddress {
  id: bigint;
  address: string;
  localPart: string;
  domain: string;
  kind: 'collection' | 'support' | 'emergency' | 'bounce';
  collectionId: bigint | null;
  /** The collection address's owner; null for the service's own return addresses (kind 'bounce'). */
  userId: bigint | null;
  policy: SenderPolicy;
  allowlist: string[];
  itemMode: ItemMode;
  enabled: boolean;
  /** The SMTP robot confirms delivered mail to its (authenticated) sender. */
  confirmations: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  useCount: number;
}

export const CROCKFORD32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** A fresh local part such as "k3j9-x2m4-p7q8-r5t6" (80 random bits). */
export function generateLocalPart(): string {
  const symbols = Math.ceil(ADDRESS_RANDOM_BITS / 5);
  const bytes = randomBytes(Math.ceil((symbols * 5) / 8));
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < symbols; i++) {
    out += CROCKFORD32[Number(bits & 31n)];
    bits >>= 5n;
  }
  return out.match(/.{1,4}/g)!.join('-');
}

type Row = Omit<SubmissionAddress, 'address' | 'allowlist'> & { allowlist: string };

function present(row: Row): SubmissionAddress {
  return {
    ...row,
    address: `${row.localPart}@${row.domain}`,
    allowlist: row.allowlist ? row.allowlist.split('\n') : [],
  };
}

const ALLOW_ENTRY = /^([^\s@]+@[^\s@]+\.[^\s@]+|@[^\s@]+\.[^\s@]+)$/;

function normalizeAllowlist(entries: string[]): string {
  const normalized = [...new Set(entries.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  for (const e of normalized) {
    if (!ALLOW_ENTRY.test(e)) throw new InvalidInput(`allowlist entry "${e}" must be an address or @domain`);
  }
  const joined = normalized.join('\n');
  if (joined.length > 4000) throw new InvalidInput('allowlist is too long (4000 characters at most)');
  return joined;
}

/** Splits "local+tag@Domain" into the lookup key: lower-cased, subaddress dropped. */
export function addressKey(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new InvalidInput(`not an email address: "${address}"`);
  const local = address.slice(0, at).toLowerCase().split('+')[0]!;
  return { localPart: local, domain: address.slice(at + 1).toLowerCase() };
}

export interface NewCollectionAddress {
  /** The collection's owner, or the operator: the address belongs to the owner either way. */
  actorUserId: Actor;
  collectionId: bigint;
  domain: string;
  policy?: SenderPolicy;
  itemMode?: ItemMode;
  allowlist?: string[];
  confirmations?: boolean;
}

export async function createCollectionAddress(store: Store, input: NewCollectionAddress, ctx: AuditContext): Promise<SubmissionAddress> {
  const policy = input.policy ?? 'owner';
  const itemMode = input.itemMode ?? 'auto';
  if (!SENDER_POLICIES.includes(policy)) throw new InvalidInput(`policy must be one of ${SENDER_POLICIES.join(', ')}`);
  if (!ITEM_MODES.includes(itemMode)) throw new InvalidInput(`mode must be one of ${ITEM_MODES.join(', ')}`);
  const allowlist = normalizeAllowlist(input.allowlist ?? []);
  if (policy === 'allowlist' && allowlist === '') throw new InvalidInput('the allowlist policy needs at least one allowed sender');
  return store.db.$transaction(async (tx) => {
    const ownerId = await requireOwnerOrOperator(tx, input.actorUserId, input.collectionId);
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await tx.submissionAddress.create({
          data: {
            localPart: generateLocalPart(),
            domain: input.domain.toLowerCase(),
            kind: 'collection',
            collectionId: input.collectionId,
            userId: ownerId,
            policy,
            itemMode,
            allowlist,
            confirmations: input.confirmations ?? false,
          },
        });
        await recordAudit(tx, ctx, { action: 'address.create', targetType: 'address', targetId: row.id, detail: `${row.localPart}@${row.domain}` });
        return present(row);
      } catch (err) {
        // 80 random bits make a collision all but impossible; retry anyway rather than fail.
        if (!isUniqueViolation(err) || attempt >= 3) throw err;
      }
    }
  });
}

export async function listAddresses(store: Store, filter: { collectionId?: bigint; userId?: bigint } = {}): Promise<SubmissionAddress[]> {
  const rows = await store.db.submissionAddress.findMany({
    where: { collectionId: filter.collectionId, userId: filter.userId },
    orderBy: { id: 'asc' },
  });
  return rows.map(present);
}

export async function findAddress(store: Store, address: string): Promise<SubmissionAddress | null> {
  const key = addressKey(address);
  const row = await store.db.submissionAddress.findUnique({ where: { localPart_domain: key } });
  return row ? present(row) : null;
}

async function requireAddress(store: Store, address: string): Promise<SubmissionAddress> {
  const found = await findAddress(store, address);
  if (!found) throw new NotFound(`no submission address ${address.toLowerCase()}`);
  return found;
}

export async function setAddressEnabled(store: Store, address: string, enabled: boolean, ctx: AuditContext): Promise<SubmissionAddress> {
  const found = await requireAddress(store, address);
  return store.db.$transaction(async (tx) => {
    const row = await tx.submissionAddress.update({ where: { id: found.id }, data: { enabled } });
    await recordAudit(tx, ctx, { action: enabled ? 'address.enable' : 'address.disable', targetType: 'address', targetId: row.id, detail: found.address });
    return present(row);
  });
}

/** Gives the address a new random local part; the old one stops working at once. */
export async function rotateAddress(store: Store, address: string, ctx: AuditContext): Promise<SubmissionAddress> {
  const found = await requireAddress(store, address);
  return store.db.$transaction(async (tx) => {
    const row = await tx.submissionAddress.update({ where: { id: found.id }, data: { localPart: generateLocalPart() } });
    await recordAudit(tx, ctx, {
      action: 'address.rotate',
      targetType: 'address',
      targetId: row.id,
      detail: `${found.address} -> ${row.localPart}@${row.domain}`,
    });
    return present(row);
  });
}
