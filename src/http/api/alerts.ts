// The alert-settings JSON API (HTTP Basic, account or app password):
//   GET|PUT  /api/v1/collections/:id/alerts            {mode, defaultReminderMinutes}
//   POST     /api/v1/collections/:id/alerts/unfreeze   owner or admin
//   GET|PUT|DELETE /api/v1/collections/:id/webhook     {url}; PUT answers the signing secret once
//   GET|PUT  /api/v1/me/alert-preferences               {digestTime}
//   GET      /api/v1/admin/bounces[?suspended=1]        admins
//   DELETE   /api/v1/admin/bounces/:email               admins: lift a suspension
//   GET      /api/v1/admin/outbox?state=dead            admins: the dead letters
//   POST     /api/v1/admin/outbox/:id/retry             admins: queue a dead message again
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { alertFreeze, unfreezeAlerts } from '../../domain/alerts/circuit-breaker.ts';
import { getAlertPreferences, setDigestTime } from '../../domain/alerts/preferences.ts';
import { setDefaultReminder } from '../../domain/alerts/reminders.ts';
import { getSubscription, setSubscription } from '../../domain/alerts/subscriptions.ts';
import { clearBounces, listBounces } from '../../domain/bounces/bounces.ts';
import type { AuthenticatedUser } from '../../domain/auth/credentials.ts';
import { InvalidInput } from '../../domain/errors.ts';
import { getWebhook, registerWebhook, removeWebhook, type WebhookGuard } from '../../domain/webhooks/webhooks.ts';
import { OUTBOX_QUEUE, requeue } from '../../store/leased-queue.ts';
import type { Store } from '../../store/index.ts';
import { problem, sendDomainProblem } from './problem.ts';

const json = (res: Response, status: number, v: unknown) =>
  res.status(status).type('application/json').send(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

type Handler = (req: Request, res: Response, user: AuthenticatedUser) => Promise<void>;

/** `auth`: the API's one login (login.ts), which sets res.locals.user. */
export function createAlertsRouter(store: Store, auth: RequestHandler, guard: WebhookGuard): Router {
  const router = express.Router();
  const body = express.json({ limit: '16kb' });
  const handle = (h: Handler) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      await h(req, res, res.locals.user as AuthenticatedUser);
    } catch (err) {
      if (!sendDomainProblem(res, err)) next(err);
    }
  };
  const collectionId = (req: Request): bigint => {
    const id = String(req.params.id);
    if (!/^\d{1,19}$/.test(id)) throw new InvalidInput(`"${id}" is not a collection id`);
    return BigInt(id);
  };
  const adminOnly = async (user: AuthenticatedUser) => {
    const row = await store.db.user.findUnique({ where: { id: user.id }, select: { isAdmin: true } });
    return row?.isAdmin === true;
  };
  const ctx = (user: AuthenticatedUser) => ({ actorUserId: user.id, channel: 'api' as const });

  router.get('/collections/:id/alerts', auth, handle(async (req, res, user) => {
    const id = collectionId(req);
    const sub = await getSubscription(store, user.id, id);
    const freeze = await alertFreeze(store, user.id, id);
    const state = await store.db.collectionAlertState.findUnique({ where: { collectionId: id }, select: { defaultReminderMinutes: true } });
    json(res, 200, { ...sub, frozenAt: freeze.frozenAt, frozenReason: freeze.frozenReason, defaultReminderMinutes: state?.defaultReminderMinutes ?? null });
  }));

  router.put('/collections/:id/alerts', auth, body, handle(async (req, res, user) => {
    const id = collectionId(req);
    const b = (req.body ?? {}) as { mode?: unknown; defaultReminderMinutes?: unknown };
    if (b.mode !== undefined) await setSubscription(store, user.id, id, String(b.mode));
    if (b.defaultReminderMinutes !== undefined) {
      const minutes = b.defaultReminderMinutes === null ? null : Number(b.defaultReminderMinutes);
      await setDefaultReminder(store, user.id, id, minutes, ctx(user));
    }
    json(res, 200, await getSubscription(store, user.id, id));
  }));

  router.post('/collections/:id/alerts/unfreeze', auth, handle(async (req, res, user) => {
    json(res, 200, await unfreezeAlerts(store, user.id, collectionId(req), ctx(user)));
  }));

  router.get('/collections/:id/webhook', auth, handle(async (req, res, user) => {
    const hook = await getWebhook(store, user.id, collectionId(req));
    if (!hook) return problem(res, 404, 'Not Found', 'no webhook registered for this collection');
    json(res, 200, hook);
  }));

  router.put('/collections/:id/webhook', auth, body, handle(async (req, res, user) => {
    const url = typeof req.body?.url === 'string' ? req.body.url : '';
    json(res, 200, await registerWebhook(store, user.id, collectionId(req), url, guard, ctx(user)));
  }));

  router.delete('/collections/:id/webhook', auth, handle(async (req, res, user) => {
    await removeWebhook(store, user.id, collectionId(req), ctx(user));
    res.status(204).end();
  }));

  router.get('/me/alert-preferences', auth, handle(async (_req, res, user) => {
    json(res, 200, await getAlertPreferences(store, user.id));
  }));

  router.put('/me/alert-preferences', auth, body, handle(async (req, res, user) => {
    json(res, 200, await setDigestTime(store, user.id, String(req.body?.digestTime ?? '')));
  }));

  router.get('/admin/bounces', auth, handle(async (req, res, user) => {
    if (!(await adminOnly(user))) return problem(res, 403, 'Forbidden', 'administrators only');
    json(res, 200, { bounces: await listBounces(store, { suspendedOnly: req.query.suspended === '1' }) });
  }));

  router.delete('/admin/bounces/:email', auth, handle(async (req, res, user) => {
    if (!(await adminOnly(user))) return problem(res, 403, 'Forbidden', 'administrators only');
    json(res, 200, await clearBounces(store, String(req.params.email), ctx(user)));
  }));

  router.get('/admin/outbox', auth, handle(async (req, res, user) => {
    if (!(await adminOnly(user))) return problem(res, 403, 'Forbidden', 'administrators only');
    const state = String(req.query.state ?? 'dead');
    if (!['queued', 'sending', 'sent', 'dead'].includes(state)) throw new InvalidInput('state must be queued, sending, sent or dead');
    const messages = await store.db.outboxMessage.findMany({
      where: { state: state as 'dead' },
      orderBy: { id: 'desc' },
      take: 200,
      select: { id: true, kind: true, recipient: true, messageId: true, state: true, attempts: true, lastError: true, createdAt: true, nextAttemptAt: true, sentAt: true },
    });
    json(res, 200, { messages });
  }));

  router.post('/admin/outbox/:id/retry', auth, handle(async (req, res, user) => {
    if (!(await adminOnly(user))) return problem(res, 403, 'Forbidden', 'administrators only');
    const id = String(req.params.id);
    if (!/^\d{1,19}$/.test(id) || !(await requeue(store.pool, OUTBOX_QUEUE, BigInt(id), new Date()))) return problem(res, 404, 'Not Found', 'no dead message with that id');
    json(res, 200, { id, state: 'queued' });
  }));
  return router;
}
