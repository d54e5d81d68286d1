// Who may send to a submission address (its policy): the owner, any member of
// the collection, an allowlist, or anyone. Except for "anyone", the From
// address must also be authenticated (DMARC pass, or SPF/DKIM aligned with
// the From domain): a From header alone is trivially forged. Spoofed mail
// (DMARC or SPF fail) is refused whatever the policy.
import type { Store } from '../store/index.ts';
import type { RoutedAddress } from './routing.ts';

export interface SenderFacts {
  /** The From header's address, lower-cased; null when missing or unreadable. */
  from: string | null;
  /** The From domain passed authentication with alignment. */
  authenticated: boolean;
  /** Why the message counts as forged, or null. */
  spoofed: string | null;
}

export type PolicyVerdict = { allowed: boolean; reason: string };

export async function checkSenderPolicy(store: Store, address: RoutedAddress, sender: SenderFacts): Promise<PolicyVerdict> {
  if (sender.spoofed) return { allowed: false, reason: `the message failed authentication (${sender.spoofed})` };
  if (address.policy === 'anyone') return { allowed: true, reason: 'the address accepts mail from anyone' };
  const from = sender.from;
  if (!from) return { allowed: false, reason: 'the message has no readable From address' };

  let listed: boolean;
  let who: string;
  switch (address.policy) {
    case 'owner':
      listed = from === address.ownerEmail.toLowerCase();
      who = "the address's owner";
      break;
    case 'members':
      listed = (await memberEmails(store, address.collectionId)).includes(from);
      who = 'members of the collection';
      break;
    case 'allowlist':
      listed = address.allowlist.some((entry) => (entry.startsWith('@') ? from.endsWith(entry) : from === entry));
      who = "senders on the address's allowlist";
      break;
  }
  if (!listed) return { allowed: false, reason: `only ${who} may send to this address, and ${from} is not one of them` };
  if (!sender.authenticated) {
    return { allowed: false, reason: `${from} may send here, but this message is not authenticated as coming from it (no aligned SPF, DKIM or DMARC pass)` };
  }
  return { allowed: true, reason: `${from} is allowed (${address.policy} policy) and authenticated` };
}

async function memberEmails(store: Store, collectionId: bigint): Promise<string[]> {
  const rows = await store.db.collectionMember.findMany({
    where: { collectionId, user: { disabledAt: null } },
    select: { user: { select: { email: true } } },
  });
  return rows.map((r) => r.user.email.toLowerCase());
}
