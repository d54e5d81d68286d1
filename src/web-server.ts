// The web server's composition (beside main.ts, not inside an adapter): the
// Express application with the health endpoints, and the adapters it mounts:
// CalDAV under /dav (found from / and /.well-known/caldav), subscription
// feeds, unsubscribe pages and the JSON API, all behind one login step. It
// lives here so that no adapter imports another; the web UI mounts here too.
import express, { type Express } from 'express';
import { loadConfig, type Config } from './config.ts';
import { routeName, type EventLoopWatchdog } from './event-loop-watchdog.ts';
import { createDavRouter } from './dav/router.ts';
import type { Logger } from './log.ts';
import { LoginVerifier } from './domain/auth/login.ts';
import { ping, type Store } from './store/index.ts';
import { PUBLIC_ADDRESSES_ONLY } from './domain/webhooks/address-policy.ts';
import { systemResolve, type WebhookGuard } from './domain/webhooks/webhooks.ts';
import { createAdminBouncesRouter } from './http/api/admin-bounces.ts';
import { createAdminOutboxRouter } from './http/api/admin-outbox.ts';
import { createAlertSettingsRouter } from './http/api/alert-settings.ts';
import { createAppPasswordsRouter } from './http/api/app-passwords.ts';
import { createInboundMailRouter } from './http/api/inbound-mail.ts';
import { requireLogin } from './http/api/login.ts';
import { problem } from './http/api/problem.ts';
import { createWebhooksRouter } from './http/api/webhooks.ts';
import { createFeedsRouter } from './http/feeds.ts';
import { httpLogin } from './http/middleware/basic-auth.ts';
import { createUnsubscribeRouter } from './http/unsubscribe.ts';

export function createApp(deps: { store: Store; log: Logger; config?: Config; webhookGuard?: WebhookGuard; watchdog?: EventLoopWatchdog }): Express {
  // Tests and tools may leave config out: the documented defaults apply.
  const config = deps.config ?? loadConfig({});
  const app = express();
  app.disable('x-powered-by');
  // Express would add a weak ETag to every body (207s, 404s); DAV and feeds set their own strong ones.
  app.set('etag', false);
  // Client addresses (failed-login limits) are the socket's: no proxy header is believed.
  app.set('trust proxy', false);

  // Liveness: the process answers. Never touches the database, so a database
  // outage does not get the process restarted in a loop.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the database answers and the event loop is not stalled (the
  // watchdog); a load balancer stops routing here otherwise.
  app.get('/readyz', async (_req, res) => {
    const loop = deps.watchdog?.health();
    const ok = await ping(deps.store);
    const ready = ok && (loop?.healthy ?? true);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      database: ok ? 'ok' : 'unreachable',
      ...(loop && { eventLoop: { status: loop.healthy ? 'ok' : 'delayed', delayMs: loop.delayMs, limitMs: loop.limitMs, since: loop.since } }),
      ...(loop && !loop.healthy && { reason: `event-loop delay ${loop.delayMs} ms is over the ${loop.limitMs} ms limit` }),
    });
  });
  // What is in flight, for the watchdog's warning when the loop stalls.
  const watchdog = deps.watchdog;
  if (watchdog) {
    app.use((req, res, next) => {
      res.once('close', watchdog.track(routeName(req.method, req.path)));
      next();
    });
  }

  // One login step, with its limits, for every authenticated route.
  const login = httpLogin(new LoginVerifier(deps.store, config));
  const apiLogin = requireLogin(login);
  // RFC 6764 5: the well-known URI MUST redirect to the context path and MUST
  // NOT serve DAV itself; any method is redirected. A client that drops the
  // PROPFIND body on the 301 finds current-user-principal in the root's allprop.
  app.all('/.well-known/caldav', (_req, res) => {
    res.redirect(301, '/dav/');
  });
  // Clients given only the server's address (Apple Calendar, vdirsyncer,
  // python3-caldav) PROPFIND "/" for current-user-principal (RFC 6764 6). The
  // DAV router answers there in place, as the root under the href "/"
  // (DESIGN.md): a redirect loses the body in clients that follow it
  // (python-requests on a 301). Other methods on "/" stay with the web pages.
  app.use((req, _res, next) => {
    if (req.path === '/' && (req.method === 'PROPFIND' || req.method === 'REPORT' || req.method === 'OPTIONS')) req.url = `/dav${req.url}`;
    next();
  });
  app.use('/dav', createDavRouter({ store: deps.store, log: deps.log.child({ part: 'dav' }), config }, login));
  app.use('/feeds', createFeedsRouter(deps.store));
  app.use('/api/v1/app-passwords', createAppPasswordsRouter(deps.store, apiLogin));
  app.use('/api/v1', createInboundMailRouter(deps.store, apiLogin));
  // Alerts: unsubscribe pages (no login) and settings; webhooks reach public addresses only unless a test injects its guard.
  app.use('/unsubscribe', createUnsubscribeRouter(deps.store, config.mail.unsubscribeSecret));
  app.use('/api/v1', createAlertSettingsRouter(deps.store, apiLogin));
  app.use('/api/v1', createWebhooksRouter(deps.store, apiLogin, deps.webhookGuard ?? { policy: PUBLIC_ADDRESSES_ONLY, resolve: systemResolve }));
  app.use('/api/v1', createAdminBouncesRouter(deps.store, apiLogin));
  app.use('/api/v1', createAdminOutboxRouter(deps.store, apiLogin));

  app.use((_req, res) => {
    problem(res, 404, 'Not Found');
  });

  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (err as { status?: unknown; type?: unknown })?.status;
    // body-parser's own errors (malformed or oversized JSON) are the client's.
    if (typeof status === 'number' && status >= 400 && status < 500) return problem(res, status, 'Bad Request', err instanceof Error ? err.message : undefined);
    deps.log.error({ err }, 'unhandled error in HTTP request');
    problem(res, 500, 'Internal Server Error');
  });
  return app;
}
