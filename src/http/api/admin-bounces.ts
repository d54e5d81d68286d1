// Administrators' view of addresses that bounced (HTTP Basic):
//   GET      /api/v1/admin/bounces[?suspended=1]
//   DELETE   /api/v1/admin/bounces/:email               lift a suspension
import express, { type RequestHandler, type Router } from 'express';
import { requireAdmin } from '../../domain/access.ts';
import { clearBounces, listBounces } from '../../domain/bounces/bounces.ts';
import type { Store } from '../../store/index.ts';
import { apiAudit, handle, sendJson } from './handle.ts';

/** `auth`: the API's one login (login.ts). */
export function createAdminBouncesRouter(store: Store, auth: RequestHandler): Router {
  const router = express.Router();

  router.get('/admin/bounces', auth, handle(async (req, res, user) => {
    await requireAdmin(store.db, user.id);
    sendJson(res, 200, { bounces: await listBounces(store, { suspendedOnly: req.query.suspended === '1' }) });
  }));

  router.delete('/admin/bounces/:email', auth, handle(async (req, res, user) => {
    await requireAdmin(store.db, user.id);
    sendJson(res, 200, await clearBounces(store, String(req.params.email), apiAudit(user)));
  }));
  return router;
}
