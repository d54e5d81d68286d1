// The CalDAV entry point, mounted at /dav. Cross-cutting work runs once,
// before any handler (STYLE.md): OPTIONS (unauthenticated), Basic auth,
// per-user throttling, the size-limited body read, path resolution; then the
// method table; every failure leaves through one mapper (errors.ts).
import express, { type Request, type Response, type Router } from 'express';
import { MAX_ITEM_BYTES } from '../consts.ts';
import type { AuthenticatedUser } from '../domain/auth/credentials.ts';
import { readBody } from './body.ts';
import { DavContext, type DavDeps } from './context.ts';
import { DavError, toDavError } from './errors.ts';
import { allowedMethods, notAllowed } from './methods/allow.ts';
import { METHODS } from './methods/index.ts';
import { DAV_COMPLIANCE, options } from './methods/options.ts';
import { resolve } from './resolve.ts';
import { createThrottle } from '../domain/limits.ts';
import { el, errorBody } from './xml/multistatus.ts';
import { CALDAV } from './xml/names.ts';

/** Largest XML request body (PROPFIND, REPORT, …): a multiget of thousands of hrefs fits. */
export const MAX_XML_BODY_BYTES = 1024 * 1024;

function sendError(req: Request, res: Response, err: DavError): void {
  if (res.headersSent) return;
  res.status(err.status).set({ ...err.headers, DAV: DAV_COMPLIANCE });
  if (req.method === 'HEAD' || err.status === 304) {
    res.end();
    return;
  }
  res.set('Content-Type', 'application/xml; charset=utf-8').send(errorBody(err.condition, err.message));
}

/**
 * The web server's one login step (HTTP Basic through the domain's login rule,
 * refusals as 401/403/429 with their headers), handed in by the composition
 * (src/web-server.ts) so that this adapter imports no other.
 */
export type DavLogin = (req: Request) => Promise<{ ok: true; user: AuthenticatedUser } | { ok: false; failure: { status: number; message: string; headers: Record<string, string> } }>;

export function createDavRouter(deps: DavDeps, login: DavLogin): Router {
  const router = express.Router();
  const throttle = createThrottle(deps.store, deps.config.davRateLimit);

  router.use(async (req, res) => {
    const path = req.originalUrl.split('?')[0]!;
    if (req.method === 'OPTIONS') return options(req, res);
    try {
      const auth = await login(req);
      if (!auth.ok) throw new DavError(auth.failure.status, auth.failure.message, null, auth.failure.headers);
      const wait = await throttle(auth.user.id);
      if (wait !== null) throw new DavError(429, 'too many requests; slow down', null, { 'Retry-After': String(wait) });

      const handler = METHODS.get(req.method);
      const resource = await resolve(deps.store, auth.user, path);
      if (!handler) throw notAllowed(resource, req.method);
      const body =
        req.method === 'PUT'
          ? await readBody(req, MAX_ITEM_BYTES, () => new DavError(403, `calendar objects are limited to ${MAX_ITEM_BYTES} bytes`, el(CALDAV, 'max-resource-size'), { Connection: 'close' }))
          : await readBody(req, MAX_XML_BODY_BYTES, () => new DavError(413, `request bodies are limited to ${MAX_XML_BODY_BYTES} bytes`, null, { Connection: 'close' }));
      if (resource && !allowedMethods(resource).includes(req.method) && resource.kind !== 'new-collection' && !(resource.kind === 'item' && !resource.item)) {
        throw notAllowed(resource, req.method);
      }
      await handler(new DavContext(deps, req, res, auth.user, path, resource, body));
    } catch (err) {
      const mapped = toDavError(err, { method: req.method, href: path });
      if (mapped) return sendError(req, res, mapped);
      deps.log.error({ err, method: req.method, path }, 'CalDAV request failed');
      sendError(req, res, new DavError(500, 'internal error'));
    }
  });
  return router;
}
