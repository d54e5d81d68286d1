// Turns a failure to reach the database into one clear, actionable line.
import { maskPassword } from '../config.ts';

// MariaDB refuses a passwordless login to a socket-auth user with 1698, not 1045.
const ACCESS_DENIED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN']);

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return typeof code === 'string' && (UNREACHABLE.has(code) || ACCESS_DENIED.has(code) || code === 'PROTOCOL_CONNECTION_LOST');
}

export function describeConnectionError(err: unknown, databaseUrl: string): string {
  const code = (err as { code?: string } | null)?.code ?? 'unknown';
  const where = maskPassword(databaseUrl);
  if (ACCESS_DENIED.has(code)) {
    return `cannot log in to the database at DATABASE_URL=${where}: access denied; check the user and password in DATABASE_URL`;
  }
  return (
    `cannot reach the database at DATABASE_URL=${where} (${code}). ` +
    // mariadbd refuses to run as root; Debian's init script (through mariadbd-safe) runs it as mysql itself.
    'Start MariaDB/MySQL: `service mariadb start` (or `systemctl start mariadb`); with no init system (a container), as root: ' +
    '`install -d -o mysql /run/mysqld && start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql`. ' +
    'Install it with `apt-get install -y mariadb-server` if missing, or point DATABASE_URL at a running server.'
  );
}
