// `tidings serve` when it cannot open its ports: one line naming the setting
// to change, exit code 1, no stack trace, and nothing left running.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { dropDatabase, testDatabaseUrl } from '../helpers/database.ts';

const db = testDatabaseUrl('listen');
after(() => dropDatabase(db.name));

/** A port some other process holds for the duration of the tests. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('tidings serve on a port that is taken', () => {
  let taken: { port: number; server: Server };
  before(async () => {
    taken = await occupiedPort();
  });
  after(() => new Promise<void>((resolve) => taken.server.close(() => resolve())));

  it('names HTTP_PORT and the port in one line and exits 1', async () => {
    const r = await runCli(['serve'], { DATABASE_URL: db.url, HTTP_PORT: String(taken.port), SMTP_PORT: '0' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `tidings: HTTP_PORT ${taken.port} is already in use (EADDRINUSE): set HTTP_PORT to a free port or stop the other process`,
    );
  });

  it('names SMTP_PORT and the port in one line and exits 1 (the HTTP listener it opened is closed again)', async () => {
    const r = await runCli(['serve'], { DATABASE_URL: db.url, HTTP_PORT: '0', SMTP_PORT: String(taken.port) });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `tidings: SMTP_PORT ${taken.port} is already in use (EADDRINUSE): set SMTP_PORT to a free port or stop the other process`,
    );
  });

  it('says so in JSON with --json', async () => {
    const r = await runCli(['serve', '--json'], { DATABASE_URL: db.url, HTTP_PORT: String(taken.port), SMTP_PORT: '0' });
    assert.equal(r.code, 1, r.stderr);
    // stdout also carries the service's JSON log lines (written asynchronously, in any order).
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.find((l) => 'error' in l), {
      error: { kind: 'listen', message: `HTTP_PORT ${taken.port} is already in use (EADDRINUSE): set HTTP_PORT to a free port or stop the other process` },
    });
  });
});

describe('tidings serve on an address this machine does not have', () => {
  it('names BIND_ADDRESS in one line and exits 1', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const r = await runCli(['serve'], { DATABASE_URL: db.url, HTTP_PORT: '0', SMTP_PORT: '0', BIND_ADDRESS: '192.0.2.1' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      'tidings: BIND_ADDRESS 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL): set BIND_ADDRESS to one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all',
    );
  });
});
