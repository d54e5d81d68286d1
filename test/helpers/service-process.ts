// Starts the service in a child process (service-child.ts) on a test
// database. Hostile-input tests need the service out of the test's own
// process: a request that stalls the service's event loop would stall the
// test with it, and the test could never report it. Stopped when the file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./service-child.ts', import.meta.url));

export interface ServiceProcess {
  base: string;
  smtpPort: number;
  child: ChildProcess;
  /** What the service logged (JSON lines), for failure messages. */
  log(): string;
}

export async function startServiceProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'tidings-outbox-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      HTTP_PORT: '0',
      SMTP_PORT: '0',
      MAIL_DOMAIN: 'tidings.test',
      SMTP_HOSTNAME: 'tidings.test',
      SMTP_CONNECTIONS_PER_MINUTE: '0',
      SMTP_MESSAGES_PER_HOUR: '0',
      DAV_RATE_LIMIT: '100000',
      OUTBOX_DIR: outboxDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never outlive the test: a test process that ends without its after() hooks (killed, crashed) takes the service with it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // A service stuck in a busy loop never handles SIGTERM: SIGKILL it then.
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    process.off('exit', orphanGuard);
    rmSync(outboxDir, { recursive: true, force: true });
  });
  const ports = await new Promise<{ httpPort: number; smtpPort: number }>((resolve, reject) => {
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      for (const line of output.split('\n')) {
        if (!line.startsWith('{"httpPort"')) continue;
        resolve(JSON.parse(line) as { httpPort: number; smtpPort: number });
      }
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
  });
  return { base: `http://127.0.0.1:${ports.httpPort}`, smtpPort: ports.smtpPort, child, log: () => output };
}
