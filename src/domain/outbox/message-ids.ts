// Identifiers in outgoing mail. Message-IDs are unique per message and live
// on MAIL_DOMAIN (RFC 5322 3.6.4); thread ids are stable per item and per
// collection, so clients thread every alert about one item under one root;
// the VERP return path carries a random token that finds the message again
// when a bounce comes back.
import { createHash, randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lower-case base32 of `bytes` random bytes: survives local-part case folding by MTAs. */
export function randomToken(bytes = 16): string {
  const buf = randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A fresh Message-ID (without angle brackets). */
export function newMessageId(kind: string, mailDomain: string): string {
  return `${kind.replace(/[^a-z0-9-]/gi, '')}.${randomToken(15)}@${mailDomain}`;
}

/** The thread root of one item: the same for every alert about it, never a real message. */
export function itemThreadId(collectionId: bigint, uid: string, mailDomain: string): string {
  const h = createHash('sha256').update(`${collectionId}\n${uid}`).digest('hex').slice(0, 24);
  return `item.${collectionId}.${h}@${mailDomain}`;
}

/** The thread root of a collection's alerts that span several items, and of its digests. */
export function collectionThreadId(collectionId: bigint, mailDomain: string): string {
  return `collection.${collectionId}@${mailDomain}`;
}

/** The envelope sender of an outbox row; receiveReturnMail (domain/bounces) takes what comes back. */
export function verpAddress(token: string, mailDomain: string): string {
  return `bounces+${token}@${mailDomain}`;
}
