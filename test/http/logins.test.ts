// Every authenticated route logs in the one way: account or app password,
// failed logins limited per account, and a locked-out account answered the
// same for every password (right, wrong, cached or not), so the answer never
// tells an attacker that a guess was right. The routes are read from the
// application's own routers, so a new route is covered without editing this
// file: every CalDAV method in the method table, every /api/v1 route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Express } from 'express';
import { loadConfig } from '../../src/config.ts';
import { METHODS } from '../../src/dav/methods/index.ts';
import { createAppPassword } from '../../src/domain/app-passwords.ts';
import { createApp } from '../../src/web-server.ts';
import { createLogger } from '../../src/log.ts';
import { freshDatabase } from '../helpers/database.ts';
import { basic, PASSWORD, startServer } from '../helpers/dav.ts';
import { TEST_AUDIT, makeUser } from '../helpers/world.ts';

const FAILURES = 2;
const env = { LOGIN_FAILURES_PER_USER: String(FAILURES), LOGIN_FAILURES_PER_ADDRESS: '1000000' };
const { store } = await freshDatabase('http_logins');
const base = await startServer(store, env);

/** /api/v1 routes that answer without a login (none today; an addition here is a decision). */
const PUBLIC_API_ROUTES = new Set<string>([]);
/** Routes that refuse app passwords on purpose: an app password cannot mint or revoke others. */
const ACCOUNT_PASSWORD_ONLY = /^\/api\/v1\/app-passwords(\/|$)/;

interface Route {
  method: string;
  path: string;
}

// Express 5's router keeps each mount's path (rawPath) and each route's methods.
interface RouterLayer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

function apiRoutes(app: Express): Route[] {
  const routes: Route[] = [];
  for (const mount of (app.router as unknown as { stack: RouterLayer[] }).stack) {
    if (typeof mount.rawPath !== 'string' || !mount.rawPath.startsWith('/api/v1')) continue;
    for (const layer of mount.handle?.stack ?? []) {
      if (!layer.route) continue;
      // Path parameters get a value of the right shape that names nothing; the login comes first.
      const path = `${mount.rawPath}${layer.route.path}`.replace(/:\w+/g, '999999999').replace(/(.)\/$/, '$1');
      for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

const app = createApp({ store, log: createLogger('silent'), config: loadConfig(env) });
const api = apiRoutes(app).filter((r) => !PUBLIC_API_ROUTES.has(`${r.method} ${r.path}`));
// OPTIONS is answered before authentication (RFC 4918 clients probe with it).
const dav = [...METHODS.keys()].filter((m) => m !== 'OPTIONS').map((method) => ({ method, path: '/dav/' }));
const routes: Route[] = [...dav, ...api];

interface Answer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

async function call(route: Route, authorization?: string): Promise<Answer> {
  // Depth 0 makes a PROPFIND of the root a question the server answers (it refuses infinity).
  const res = await fetch(`${base}${route.path}`, { method: route.method, headers: { Depth: '0', ...(authorization ? { Authorization: authorization } : {}) } });
  const body = await res.text();
  // Date is the clock's; everything else must be the same byte for byte.
  const headers = [...res.headers].filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b));
  return { status: res.status, headers, body };
}

async function account() {
  const user = await makeUser(store, 'login', { isAdmin: true });
  const app = await createAppPassword(store, user.id, 'Phone', TEST_AUDIT);
  return { user, password: basic(user.email, PASSWORD), appPassword: basic(user.email, app.password), wrong: (i: number) => basic(user.email, `guess ${i}`) };
}

// One account for the routes that must not lock it; a fresh one for each route that does.
// Made before any test starts, so its transaction does not queue behind the tests' requests.
const regular = await account();

describe('the routes under test', () => {
  it('are read from the routers: every CalDAV method and the API routes of each resource', () => {
    assert.ok(dav.length >= 11, dav.map((r) => r.method).join(' '));
    for (const path of ['/api/v1/inbound', '/api/v1/quarantine', '/api/v1/app-passwords', '/api/v1/me/alert-preferences', '/api/v1/admin/bounces']) {
      assert.ok(api.some((r) => r.path === path), `${path} in ${api.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    }
  });

  it('answer 401 with a Basic challenge without credentials', async () => {
    for (const route of routes) {
      const anonymous = await call(route);
      assert.equal(anonymous.status, 401, `${route.method} ${route.path}`);
      assert.match(new Map(anonymous.headers).get('www-authenticate') ?? '', /^Basic realm="Tidings"/, `${route.method} ${route.path}`);
    }
  });
});

for (const route of routes) {
  const name = `${route.method} ${route.path}`;
  describe(name, () => {
    it('accepts an app password as it accepts the account password', async () => {
      const who = regular;
      const withPassword = await call(route, who.password);
      assert.ok(![401, 429].includes(withPassword.status), `account password: ${withPassword.status} ${withPassword.body}`);
      const withAppPassword = await call(route, who.appPassword);
      if (ACCOUNT_PASSWORD_ONLY.test(route.path)) assert.equal(withAppPassword.status, 403, withAppPassword.body);
      else assert.equal(withAppPassword.status, withPassword.status, withAppPassword.body);
    });

    it('limits wrong passwords, then answers the right one (cached or not) exactly as a wrong one', async () => {
      const who = await account();
      // A verified login, now in the login cache.
      assert.ok(![401, 429].includes((await call(route, who.password)).status));
      for (let i = 0; i < FAILURES; i++) assert.equal((await call(route, who.wrong(i))).status, 401, `failure ${i + 1}`);
      const wrong = await call(route, who.wrong(FAILURES));
      assert.equal(wrong.status, 429, wrong.body);
      assert.ok(Number(new Map(wrong.headers).get('retry-after')) > 0, 'Retry-After');
      // The cached right password, the never-used app password and another wrong one: one answer.
      assert.deepEqual(await call(route, who.password), wrong, 'the cached right password');
      assert.deepEqual(await call(route, who.appPassword), wrong, 'the right app password');
      assert.deepEqual(await call(route, who.wrong(FAILURES + 1)), wrong, 'another wrong password');
    });
  });
}
