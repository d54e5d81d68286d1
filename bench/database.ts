// A throwaway database for one benchmark run: named after the benchmark and
// this process, on BENCH_DATABASE_SERVER (else TEST_DATABASE_SERVER, else the
// local MariaDB), and dropped when the run ends, or when Ctrl-C or SIGTERM
// ends it early. Also: the server's own CPU time, when it runs here.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';

export const BENCH_SERVER = (process.env.BENCH_DATABASE_SERVER ?? process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** Drops the database and stops watching for signals; throws when the drop fails. */
  drop(): Promise<void>;
}

/** `beforeDrop` runs first on an interrupted run (close the store so the DROP is not blocked by its locks). */
export function throwawayDatabase(prefix: string, beforeDrop: () => Promise<unknown> = async () => undefined): ThrowawayDatabase {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dropNow = async () => {
    const conn = await mysql.createConnection(`${BENCH_SERVER}/`);
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await conn.end();
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`  ${signal}: dropping ${name}`);
    void (async () => {
      await beforeDrop().catch(() => undefined);
      await dropNow().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    name,
    url: `${BENCH_SERVER}/${name}`,
    async drop() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await dropNow();
    },
  };
}

/** CPU time (user+system, ms) of the database server process, when it runs on this machine. */
export async function serverCpuMs(pid: number | null): Promise<number | null> {
  if (pid === null) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** The database server's process id, when it runs on this machine and its /proc entry is readable; else null. */
export async function databaseServerPid(pool: Pool): Promise<number | null> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT @@pid_file AS f');
    const pid = Number((await readFile(String(rows[0]!.f), 'utf8')).trim());
    await readFile(`/proc/${pid}/stat`, 'utf8');
    return pid;
  } catch {
    return null;
  }
}
