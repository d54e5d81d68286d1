// Driver errors the domain acts on, as typed errors it matches with
// instanceof: the store knows the driver's codes (mysql2's `code`, the MySQL
// error numbers), the domain only what they mean.

/** A unique key refused a row; `key` names the index (e.g. items_collectionId_uid_key) when the server said. */
export class UniqueViolation extends Error {
  constructor(
    readonly key: string | null,
    options?: { cause?: unknown },
  ) {
    super(`duplicate entry for ${key ?? 'a unique key'}`, options);
    this.name = 'UniqueViolation';
  }
}

/** InnoDB chose this transaction as a deadlock victim and rolled it back at once: trying again is cheap and safe. */
export class Deadlock extends Error {
  constructor(options?: { cause?: unknown }) {
    super('deadlock: the transaction was rolled back', options);
    this.name = 'Deadlock';
  }
}

/** The typed error a mysql2 error means, or the error itself when the domain has no use for its code. */
export function translateDriverError(err: unknown): unknown {
  const e = err as { code?: unknown; sqlMessage?: unknown; message?: unknown } | null;
  if (e?.code === 'ER_DUP_ENTRY') {
    // "Duplicate entry 'x' for key 'items_collectionId_uid_key'" (MariaDB may prefix the table: 'items.items_…').
    const text = typeof e.sqlMessage === 'string' ? e.sqlMessage : String(e.message ?? '');
    const key = /for key '(?:[^'.]*\.)?([^']+)'$/.exec(text)?.[1] ?? null;
    return new UniqueViolation(key, { cause: err });
  }
  if (e?.code === 'ER_LOCK_DEADLOCK') return new Deadlock({ cause: err });
  return err;
}
