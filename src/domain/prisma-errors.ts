// Recognises store-level errors the domain turns into its own.
import { Prisma } from '../generated/prisma/client.ts';

/** True for a unique-constraint violation (Prisma P2002, MySQL ER_DUP_ENTRY). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) return err.code === 'P2002';
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ER_DUP_ENTRY';
}
