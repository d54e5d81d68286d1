// /api/v1/inbound and /api/v1/quarantine: a user's own inbound-mail records
// (why each message was taken or refused) and spam quarantine (list,
// release, delete). HTTP Basic with the account's email and password.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { verifyPassword, type User } from '../../domain/accounts.ts';
import { deleteQuarantined, listInbound, listQuarantine } from '../../domain/quarantine.ts';
import { releaseQuarantined } from '../../mail/release.ts';
import type { Store } from '../../store/index.ts';
import { problem, sendDomainProblem } from './problem.ts';

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

function basicAuth(store: Store) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? await verifyPassword(store, decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
    if (!user) return problem(res, 401, 'Unauthorized', 'sign in with your email and password', { 'WWW-Authenticate': 'Basic realm="Tidings", charset="UTF-8"' });
    res.locals.user = user;
    next();
  };
}

function idParam(req: Request): bigint | null {
  const raw = String(req.params.id ?? '');
  return /^\d{1,19}$/.test(raw) ? BigInt(raw) : null;
}

export function createInboundMailRouter(store: Store): Router {
  const router = express.Router();
  const auth = basicAuth(store);
  const user = (res: Response) => res.locals.user as User;
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (!sendDomainProblem(res, err)) next(err);
    }
  };

  router.get('/inbound', auth, handle(async (req, res) => {
    const limit = Number(req.query.limit ?? 100);
    res.type('application/json').send(json({ messages: await listInbound(store, user(res).id, Number.isFinite(limit) ? limit : 100) }));
  }));
  router.get('/quarantine', auth, handle(async (_req, res) => {
    res.type('application/json').send(json({ messages: await listQuarantine(store, user(res).id) }));
  }));
  router.post('/quarantine/:id/release', auth, handle(async (req, res) => {
    const id = idParam(req);
    if (id === null) return problem(res, 404, 'Not Found');
    const summary = await releaseQuarantined(store, user(res).id, id);
    res.type('application/json').send(json({ released: true, items: summary.items, notes: summary.notes }));
  }));
  router.delete('/quarantine/:id', auth, handle(async (req, res) => {
    const id = idParam(req);
    if (id === null) return problem(res, 404, 'Not Found');
    await deleteQuarantined(store, user(res).id, id, { actorUserId: user(res).id, channel: 'api' });
    res.status(204).end();
  }));
  return router;
}
