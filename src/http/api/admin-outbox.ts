// Administrators' view of the outbox (HTTP Basic):
//   GET      /api/v1/admin/outbox?state=dead            the dead letters (or queued, sending, sent)
//   POST     /api/v1/admin/outbox/:id/retry             queue a dead message again
import express, { type RequestHandler, type Router } from 'express';
import { requireAdmin } from '../../domain/access.ts';
import { listOutbox, retryOutboxMessage } from '../../domain/outbox/dead-letters.ts';
import type { Store } from '../../store/index.ts';
import { handle, sendJson } from './handle.ts';
import { problem } from './problem.ts';

/** `auth`: the API's one login (login.ts). */
export function createAdminOutboxRouter(store: Store, auth: RequestHandler): Router {
  const router = express.Router();

  router.get('/admin/outbox', auth, handle(async (req, res, user) => {
    sendJson(res, 200, { messages: await listOutbox(store, user.id, String(req.query.state ?? 'dead')) });
  }));

  router.post('/admin/outbox/:id/retry', auth, handle(async (req, res, user) => {
    const id = String(req.params.id);
    // A stranger learns nothing, not even that the id was malformed.
    if (!/^\d{1,19}$/.test(id)) await requireAdmin(store.db, user.id);
    if (!/^\d{1,19}$/.test(id) || !(await retryOutboxMessage(store, user.id, BigInt(id)))) return problem(res, 404, 'Not Found', 'no dead message with that id');
    sendJson(res, 200, { id, state: 'queued' });
  }));
  return router;
}
