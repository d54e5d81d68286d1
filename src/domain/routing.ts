// Routing at RCPT TO: which submission address a recipient names and whether
// it may receive mail now. This runs once per recipient of every message, so
// it is one mysql2 prepared statement (DESIGN.md: the hot recipient lookup),
// joined with the owner and the collection so DATA needs no second lookup.
// The same table answers a front MTA through the Postfix mysql_table(5)
// query in README "SMTP robot".
//
// Two kinds of address are routed: 'collection' (mail becomes items) and
// 'bounce', Tidings' own return addresses (bounces@ and unsubscribe@
// MAIL_DOMAIN, put in the table by ensureReturnRoutes, domain/bounces): DSNs
// to the VERP address bounces+<token>@ and List-Unsubscribe mailtos to
// unsubscribe+<token>@. Those get their own verdict, 'return-mail': the
// robot hands them to receiveReturnMail and nothing else (no sender policy,
// no spam check, no item, no reply). The lookup key drops the +token
// (addressKey); the robot keeps the full recipient for the handler. Return
// addresses belong to no user (userId NULL), hence the LEFT JOIN of the
// owner; the lookup stays one probe of the unique (localPart, domain) key
// plus primary-key probes of users and collections.
import type { RowDataPacket } from 'mysql2/promise';
import type { Store } from '../store/index.ts';
import { addressKey, type ItemMode, type SenderPolicy } from './addresses.ts';

export interface RoutedAddress {
  addressId: bigint;
  address: string;
  domain: string;
  collectionId: bigint;
  collectionName: string;
  ownerId: bigint;
  ownerEmail: string;
  policy: SenderPolicy;
  allowlist: string[];
  itemMode: ItemMode;
  confirmations: boolean;
  timeZone: string;
  components: string[];
}

/** A return address (kind 'bounce'): the table entry, without the recipient's +token. */
export interface ReturnAddress {
  addressId: bigint;
  /** e.g. "bounces@tidings.example". */
  address: string;
}

export type Routing =
  | { verdict: 'deliver'; address: RoutedAddress }
  | { verdict: 'return-mail'; address: ReturnAddress }
  | { verdict: 'unknown' }
  | { verdict: 'disabled'; reason: string }
  | { verdict: 'over-quota' };

const LOOKUP = `SELECT a.id, a.localPart, a.domain, a.kind, a.collectionId, a.userId, a.policy, a.allowlist, a.itemMode,
       a.enabled, a.confirmations, u.email AS ownerEmail, u.disabledAt IS NOT NULL AS ownerDisabled,
       u.usedBytes >= u.quotaBytes AS overQuota, c.name AS collectionName, c.timeZone, c.components
  FROM submission_addresses a
  LEFT JOIN users u ON u.id = a.userId
  LEFT JOIN collections c ON c.id = a.collectionId`;

/** Case-insensitive, `+tag` ignored (addressKey); anything unparseable is unknown. */
export async function routeRecipient(store: Store, recipient: string): Promise<Routing> {
  let key: { localPart: string; domain: string };
  try {
    key = addressKey(recipient);
  } catch {
    return { verdict: 'unknown' };
  }
  const [rows] = await store.pool.execute<RowDataPacket[]>(`${LOOKUP} WHERE a.localPart = ? AND a.domain = ?`, [key.localPart, key.domain]);
  return verdictOf(rows[0]);
}

/** The same verdict for an address by id (releasing a quarantined message). */
export async function routeAddressById(store: Store, addressId: bigint): Promise<Routing> {
  const [rows] = await store.pool.execute<RowDataPacket[]>(`${LOOKUP} WHERE a.id = ?`, [String(addressId)]);
  return verdictOf(rows[0]);
}

function verdictOf(row: RowDataPacket | undefined): Routing {
  if (row?.kind === 'bounce') {
    // The return addresses are the service's (no owner, no quota: return
    // mail stores nothing); only disabling the address itself turns them away.
    if (!row.enabled) return { verdict: 'disabled', reason: 'the address is disabled' };
    return { verdict: 'return-mail', address: { addressId: BigInt(row.id as string), address: `${row.localPart}@${row.domain}` } };
  }
  // Support and other address kinds belong to later parts of Tidings; until
  // they exist, the robot knows only collection and return addresses.
  if (!row || row.kind !== 'collection' || row.collectionId === null || row.userId === null || row.timeZone === null) return { verdict: 'unknown' };
  if (!row.enabled) return { verdict: 'disabled', reason: 'the address is disabled' };
  if (Number(row.ownerDisabled)) return { verdict: 'disabled', reason: "the address's owner is disabled" };
  if (Number(row.overQuota)) return { verdict: 'over-quota' };
  return {
    verdict: 'deliver',
    address: {
      addressId: BigInt(row.id as string),
      address: `${row.localPart}@${row.domain}`,
      domain: row.domain as string,
      collectionId: BigInt(row.collectionId as string),
      collectionName: row.collectionName as string,
      ownerId: BigInt(row.userId as string),
      ownerEmail: row.ownerEmail as string,
      policy: row.policy as SenderPolicy,
      allowlist: row.allowlist ? (row.allowlist as string).split('\n') : [],
      itemMode: row.itemMode as ItemMode,
      confirmations: Boolean(Number(row.confirmations)),
      timeZone: row.timeZone as string,
      components: (row.components as string).split(','),
    },
  };
}
