// Argument parsing shared by the command groups (node:util parseArgs).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong use of the command line: print usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}${parsed.positionals.length ? ': ' + parsed.positionals.join(' ') : ''}`);
  }
  return parsed;
}

export function requireId(value: string | undefined, what: string): bigint {
  if (!value || !/^\d{1,19}$/.test(value)) throw new UsageError(`${what} must be a numeric id, got "${value ?? ''}"`);
  return BigInt(value);
}
