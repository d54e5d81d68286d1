// The Prisma client for the domain, over the MariaDB driver adapter (which
// speaks to MySQL 8 as well). The URL comes from config, never from the env.
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
export type { Prisma } from '../generated/prisma/client.ts';

export function createPrisma(databaseUrl: string, connectionLimit = 10): PrismaClient {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('connectionLimit')) url.searchParams.set('connectionLimit', String(connectionLimit));
  return new PrismaClient({ adapter: new PrismaMariaDb(url.toString()) });
}
