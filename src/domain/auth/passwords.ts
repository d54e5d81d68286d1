// Secrets at rest: argon2id hashes of account and app passwords, and the one
// throwaway hash that a login for an unknown account is checked against, so
// that timing does not tell which accounts exist.
import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 exports Algorithm as a const enum, which isolated modules cannot read.
const ARGON2ID = 2;
// OWASP's argon2id baseline (19 MiB, t=2, p=1).
const HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export async function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

/** Whether `secret` matches `passwordHash`; a malformed hash matches nothing. */
export async function checkSecret(passwordHash: string, secret: string): Promise<boolean> {
  return verify(passwordHash, secret).catch(() => false);
}

let dummy: Promise<string> | null = null;

/** The work of checking a secret, for a login that has no hash to check against. */
export async function checkAgainstNothing(secret: string): Promise<void> {
  dummy ??= hashPassword(Math.random().toString(36));
  await checkSecret(await dummy, secret);
}
