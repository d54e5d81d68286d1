// The shape of an app password: 24 characters of [a-z0-9] shown in four
// groups of six ("k3v9qa-…"). The first group is a public prefix that finds
// the row; the whole is the secret, hashed with argon2id. Clients may drop the
// dashes or change case when a person types it in.
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // no l, o, 0, 1: easier to type
const LENGTH = 24;
const GROUP = 6;

export function generateAppPassword(): { password: string; prefix: string; normalized: string } {
  let normalized = '';
  for (let i = 0; i < LENGTH; i++) normalized += ALPHABET[randomInt(ALPHABET.length)];
  const password = normalized.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-');
  return { password, prefix: normalized.slice(0, GROUP), normalized };
}

/** The prefix and normalized secret when `secret` has an app password's shape, else null. */
export function appPasswordParts(secret: string): { prefix: string; normalized: string } | null {
  const normalized = secret.replace(/[-\s]/g, '').toLowerCase();
  if (normalized.length !== LENGTH || !/^[a-z0-9]+$/.test(normalized)) return null;
  return { prefix: normalized.slice(0, GROUP), normalized };
}
