// Secrets every instance must agree on without configuration: the first
// instance to ask makes one and stores it; INSERT IGNORE makes concurrent
// first asks settle on a single value.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.ts';
import { mysqlRunner } from '../store/sql.ts';

export async function serviceSecret(store: Store, name: string): Promise<string> {
  const sql = mysqlRunner(store.pool);
  await sql.run('INSERT IGNORE INTO service_secrets (name, secret, createdAt) VALUES (?, ?, ?)', [name, randomBytes(32).toString('hex'), new Date()]);
  const rows = await sql.rows<{ secret: string }>('SELECT secret FROM service_secrets WHERE name = ?', [name]);
  return rows[0]!.secret;
}
