// The Express application: health endpoints now; CalDAV, the JSON API and
// the web UI mount here in their own modules.
import express, { type Express } from 'express';
import type { Logger } from '../log.ts';
import { ping, type Store } from '../store/index.ts';

export function createApp(deps: { store: Store; log: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  // Liveness: the process answers. Never touches the database, so a database
  // outage does not get the process restarted in a loop.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the database answers; a load balancer stops routing here otherwise.
  app.get('/readyz', async (_req, res) => {
    const ok = await ping(deps.store);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
  });

  app.use((_req, res) => {
    res.status(404).json({ type: 'about:blank', title: 'Not Found', status: 404 });
  });

  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    deps.log.error({ err }, 'unhandled error in HTTP request');
    res.status(500).json({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
  });
  return app;
}
