// A member's webhook for one collection (HTTP Basic, account or app password):
//   GET|PUT|DELETE /api/v1/collections/:id/webhook     {url}; PUT answers the signing secret once
import express, { type RequestHandler, type Router } from 'express';
import { getWebhook, registerWebhook, removeWebhook, type WebhookGuard } from '../../domain/webhooks/webhooks.ts';
import type { Store } from '../../store/index.ts';
import { apiAudit, collectionId, handle, sendJson } from './handle.ts';
import { problem } from './problem.ts';

/** `auth`: the API's one login (login.ts); `guard`: which addresses a webhook may reach (the SSRF guard). */
export function createWebhooksRouter(store: Store, auth: RequestHandler, guard: WebhookGuard): Router {
  const router = express.Router();

  router.get('/collections/:id/webhook', auth, handle(async (req, res, user) => {
    const hook = await getWebhook(store, user.id, collectionId(req));
    if (!hook) return problem(res, 404, 'Not Found', 'no webhook registered for this collection');
    sendJson(res, 200, hook);
  }));

  router.put('/collections/:id/webhook', auth, express.json({ limit: '16kb' }), handle(async (req, res, user) => {
    const url = typeof req.body?.url === 'string' ? req.body.url : '';
    sendJson(res, 200, await registerWebhook(store, user.id, collectionId(req), url, guard, apiAudit(user)));
  }));

  router.delete('/collections/:id/webhook', auth, handle(async (req, res, user) => {
    await removeWebhook(store, user.id, collectionId(req), apiAudit(user));
    res.status(204).end();
  }));
  return router;
}
