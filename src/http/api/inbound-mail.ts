// /api/v1/inbound and /api/v1/quarantine: a user's own inbound-mail records
// (why each message was taken or refused) and spam quarantine (list,
// release, delete). HTTP Basic with the account's email and an account or app
// password, through the API's one login (login.ts).
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { AuthenticatedUser } from '../../domain/auth/credentials.ts';
import { deleteQuarantined, listInbound, listQuarantine } from '../../domain/quarantine.ts';
import { releaseQuarantined } from '../../mail/release.ts';
import type { Store } from '../../store/index.ts';
import { problem, sendDomainProblem } from './problem.ts';

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

function idParam(req: Request): bigint | null {
  const raw = String(req.params.id ?? '');
  return /^\d{1,19}$/.test(raw) ? BigInt(raw) : null;
}

export function createInboundMailRouter(store: Store, auth: RequestHandler): Router {
  const router = express.Router();
  const user = (res: Response) => res.locals.user as AuthenticatedUser;
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
