// `tidings serve` as a user runs it: a child process on a real database.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { createApp } from '../../src/web-server.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/index.ts';
import { BIN } from '../helpers/cli.ts';
import { dropDatabase, freshDatabase, testDatabaseUrl } from '../helpers/database.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('tidings serve', () => {
  it('migrates a new database, answers /healthz and /readyz, logs JSON and stops cleanly on SIGTERM', async () => {
    const db = testDatabaseUrl('serve');
    after(() => dropDatabase(db.name));
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, HTTP_PORT: String(port), SMTP_PORT: '0', LOG_LEVEL: 'info' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const health = await waitFor(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      // The watchdog may hold readiness for a moment while a loaded machine finishes starting the process.
      let ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      for (let i = 0; i < 100 && ready.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      }
      assert.equal(ready.status, 200);
      const body = await ready.json();
      assert.deepEqual([body.status, body.database, body.eventLoop.status, body.eventLoop.limitMs, body.eventLoop.since], ['ready', 'ok', 'ok', 1000, null]);
      const missing = await fetch(`http://127.0.0.1:${port}/no-such-page`);
      assert.equal(missing.status, 404);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'exits 0 after SIGTERM');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number; service: string });
    assert.ok(lines.every((l) => l.service === 'tidings' && typeof l.level === 'number'));
    const messages = lines.map((l) => l.msg);
    for (const expected of ['database migrated', 'HTTP listening', 'shutting down', 'stopped']) assert.ok(messages.includes(expected), `log has "${expected}": ${messages.join(' | ')}`);
  });

  it('exits 1 with a clear message when the database is unreachable', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'mysql://tidings:pw123@127.0.0.1:1/tidings', HTTP_PORT: '0' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /cannot reach the database at DATABASE_URL=mysql:\/\/tidings:\*\*\*@127\.0\.0\.1:1\/tidings/);
    assert.doesNotMatch(stderr, /pw123/);
  });
});

describe('/readyz', () => {
  it('answers 503 while the database is unreachable, 200 when it answers', async () => {
    const log = createLogger('silent');
    // A store pointed at a port nothing listens on: a real, failing connection.
    const down = openStore('mysql://root@127.0.0.1:1/nothing', { connectionLimit: 1 });
    const downServer = await listen(createApp({ store: down, log }), 0, '127.0.0.1');
    const { store } = await freshDatabase('readyz');
    const upServer = await listen(createApp({ store, log }), 0, '127.0.0.1');
    try {
      const bad = await fetch(`http://127.0.0.1:${downServer.port}/readyz`);
      assert.equal(bad.status, 503);
      assert.deepEqual(await bad.json(), { status: 'unavailable', database: 'unreachable' });
      assert.equal((await fetch(`http://127.0.0.1:${downServer.port}/healthz`)).status, 200, 'liveness does not depend on the database');
      assert.equal((await fetch(`http://127.0.0.1:${upServer.port}/readyz`)).status, 200);
    } finally {
      await downServer.close();
      await upServer.close();
      await down.close();
    }
  });
});
