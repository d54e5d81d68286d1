// mysql2 pool for the hot paths (RCPT lookup, sync reports, job claiming) and
// for the migration runner, where Prisma's per-query cost shows (DESIGN.md).
import mysql from 'mysql2/promise';

export type Pool = mysql.Pool;

export function createPool(databaseUrl: string, options: { connectionLimit?: number; multipleStatements?: boolean } = {}): Pool {
  const url = new URL(databaseUrl);
  return mysql.createPool({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: url.pathname.replace(/^\//, '') || undefined,
    connectionLimit: options.connectionLimit ?? 10,
    multipleStatements: options.multipleStatements ?? false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
  });
}

/** The server part of a database URL (no database selected), for CREATE DATABASE. */
export function serverUrl(databaseUrl: string): { url: string; database: string } {
  const url = new URL(databaseUrl);
  const database = url.pathname.replace(/^\//, '');
  url.pathname = '/';
  return { url: url.toString(), database };
}
