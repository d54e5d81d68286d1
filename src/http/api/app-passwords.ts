// /api/v1/app-passwords: a user lists, creates and revokes their own app
// passwords, authenticated with HTTP Basic and their account password (an
// app password cannot mint or revoke others). A new password is in the 201
// answer once and never again.
import express, { type RequestHandler, type Router } from 'express';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../../domain/app-passwords.ts';
import type { AuthenticatedUser } from '../../domain/auth/credentials.ts';
import type { Store } from '../../store/index.ts';
import { problem, sendDomainProblem } from './problem.ts';

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/** `auth`: the API's one login (login.ts), which sets res.locals.user. */
export function createAppPasswordsRouter(store: Store, auth: RequestHandler): Router {
  const router = express.Router();
  router.use(auth);
  router.use((_req, res, next) => {
    const user = res.locals.user as AuthenticatedUser;
    if (user.method !== 'password') return problem(res, 403, 'Forbidden', 'app passwords are managed with the account password');
    next();
  });
  router.use(express.json({ limit: '16kb' }));

  router.get('/', async (_req, res) => {
    const user = res.locals.user as AuthenticatedUser;
    const list = await listAppPasswords(store, user.id);
    res.type('application/json').send(json({ appPasswords: list }));
  });

  router.post('/', async (req, res) => {
    const user = res.locals.user as AuthenticatedUser;
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    try {
      const created = await createAppPassword(store, user.id, label, { actorUserId: user.id, channel: 'api' });
      res.status(201).type('application/json').send(json(created));
    } catch (err) {
      if (!sendDomainProblem(res, err)) throw err;
    }
  });

  router.delete('/:id', async (req, res) => {
    const user = res.locals.user as AuthenticatedUser;
    if (!/^\d{1,19}$/.test(req.params.id)) return problem(res, 404, 'Not Found');
    try {
      await revokeAppPassword(store, user.id, BigInt(req.params.id), { actorUserId: user.id, channel: 'api' });
      res.status(204).end();
    } catch (err) {
      if (!sendDomainProblem(res, err)) throw err;
    }
  });
  return router;
}
