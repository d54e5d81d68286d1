// Turns a failure to reach the database into one clear, actionable line.
import { maskPassword } from '../config.ts';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return typeof code === 'string' && (UNREACHABLE.has(code) || code === 'ER_ACCESS_DENIED_ERROR' || code === 'PROTOCOL_CONNECTION_LOST');
}

export function describeConnectionError(err: unknown, databaseUrl: string): string {
  const code = (err as { code?: string } | null)?.code ?? 'unknown';
  const where = maskPassword(databaseUrl);
  if (code === 'ER_ACCESS_DENIED_ERROR') {
    return `cannot log in to the database at DATABASE_URL=${where}: access denied; check the user and password in DATABASE_URL`;
  }
  return (
    `cannot reach the database at DATABASE_URL=${where} (${code}). ` +
    'Start MariaDB/MySQL (e.g. `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`, ' +
    'or `systemctl start mariadb`), install it with `apt-get install -y mariadb-server` if missing, or point DATABASE_URL at a running server.'
  );
}
