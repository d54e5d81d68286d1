// A real spamd for tests and the benchmark, on a free port, offline
// (--local: Debian's shipped rules, no network tests). When spamd is not
// installed this fails, loudly, rather than skipping: the spam tests are
// part of the contract (README "SMTP robot", .ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SpamdClient } from '../../src/smtp/spamd.ts';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function spamdBinary(): string {
  for (const candidate of [process.env.SPAMD_BIN, '/usr/sbin/spamd', '/usr/bin/spamd', '/usr/local/bin/spamd']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v spamd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(
    'spamd (SpamAssassin) is not installed, and the spam tests need a real one. ' +
      'Install it: apt-get install -y spamassassin spamc (Debian/Ubuntu), then run the tests again.',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningSpamd {
  url: string;
  stop(): Promise<void>;
}

export async function startSpamd(): Promise<RunningSpamd> {
  const binary = spamdBinary();
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-spamd-'));
  const child: ChildProcess = spawn(
    binary,
    ['--local', `--listen=127.0.0.1:${port}`, '--max-children=3', '--min-children=1', '--nouser-config', `--pidfile=${path.join(dir, 'spamd.pid')}`, '--syslog=stderr'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `tcp://127.0.0.1:${port}`;
  const client = new SpamdClient(url, 2000);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.ping();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`spamd did not start on port ${port}:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
