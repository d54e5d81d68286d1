// The event-loop watchdog: while the loop is stalled the instance answers
// /readyz with 503 and the reason (a load balancer stops sending traffic),
// logs what was in flight, and answers 200 again once the delay falls back;
// /healthz, the liveness check, stays 200 throughout. The test stalls the
// loop itself, in-process, with a busy loop far longer than the limit.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { EventLoopWatchdog, routeName } from '../../src/event-loop-watchdog.ts';
import { createApp } from '../../src/web-server.ts';
import { listen } from '../../src/http/server.ts';
import { PASSWORD } from '../helpers/dav.ts';
import { freshDatabase } from '../helpers/database.ts';
import { makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('watchdog');
const lines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
// Far above what a loaded test machine delays on its own.
const LIMIT_MS = 500;
// Checked once a second: a stall keeps /readyz at 503 for at least that long after it ends.
const watchdog = new EventLoopWatchdog({ limitMs: LIMIT_MS, log, checkEveryMs: 1000 }).start();
const server = await listen(createApp({ store, log, watchdog }), 0, '127.0.0.1');
const base = `http://127.0.0.1:${server.port}`;
after(async () => {
  watchdog.stop();
  await server.close();
});

/** Holds the event loop, as a runaway parse would. */
function stallFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const got = await probe();
    if (got !== undefined) return got;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}; log: ${JSON.stringify(lines.filter((l) => (l.level as number) >= 40))}`);
}

const readyStatus = async () => (await fetch(`${base}/readyz`)).status;

describe('event-loop watchdog', () => {
  it('answers /readyz 503 with the reason while the loop is stalled, names what was running, and 200 again after', async () => {
    await until('ready before the stall', async () => ((await readyStatus()) === 200 ? true : undefined));

    // A CalDAV PUT whose body is still arriving: in flight during the stall.
    const user = await makeUser(store, 'ann');
    await makeCollection(store, user, { name: 'Family' });
    const put = http.request(`${base}/dav/calendars/${user.email}/family/slow.ics`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/calendar', 'Content-Length': '1000', Authorization: `Basic ${Buffer.from(`${user.email}:${PASSWORD}`).toString('base64')}` },
    });
    put.on('error', () => undefined);
    put.write('BEGIN:VCALENDAR\r\n');
    await until('the PUT in flight', async () => (watchdog.running().some((w) => w.what === 'PUT /dav') ? true : undefined));

    stallFor(LIMIT_MS * 6);

    const stalled = await fetch(`${base}/readyz`);
    assert.equal(stalled.status, 503);
    const body = await stalled.json();
    assert.equal(body.status, 'unavailable');
    assert.equal(body.database, 'ok');
    assert.equal(body.eventLoop.status, 'delayed');
    assert.equal(body.eventLoop.limitMs, LIMIT_MS);
    assert.ok(body.eventLoop.delayMs > LIMIT_MS, JSON.stringify(body));
    assert.match(body.reason, /^event-loop delay \d+ ms is over the 500 ms limit$/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness does not depend on the watchdog');

    const warning = await until('the warning', async () =>
      lines.find((l) => l.level === 40 && /delayed past its limit/.test(String(l.msg)) && (l.running as Array<{ what: string }>).some((w) => w.what === 'PUT /dav')),
    );
    assert.ok((warning.delayMs as number) > LIMIT_MS);

    put.destroy();
    await until('ready again', async () => ((await readyStatus()) === 200 ? true : undefined));
    const ready = await (await fetch(`${base}/readyz`)).json();
    assert.equal(ready.status, 'ready');
    assert.equal(ready.eventLoop.status, 'ok');
    assert.ok(lines.some((l) => /event loop recovered/.test(String(l.msg))));
  });

  it('names requests without their ids or secret tokens', () => {
    assert.equal(routeName('GET', '/feeds/9f2c1e0b7a.ics'), 'GET /feeds');
    assert.equal(routeName('GET', '/unsubscribe/abc.def'), 'GET /unsubscribe');
    assert.equal(routeName('POST', '/api/v1/collections/12/webhook'), 'POST /api/v1/collections');
    assert.equal(routeName('REPORT', '/dav/calendars/ann@example.com/family/'), 'REPORT /dav');
  });

  it('is off with a limit of 0: always healthy, no timer', () => {
    const off = new EventLoopWatchdog({ limitMs: 0, log }).start();
    stallFor(50);
    assert.equal(off.health().healthy, true);
    off.stop();
  });
});
