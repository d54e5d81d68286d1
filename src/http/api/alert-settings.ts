// A member's alert settings for one collection, and their own preferences
// (HTTP Basic, account or app password):
//   GET|PUT  /api/v1/collections/:id/alerts            {mode, defaultReminderMinutes}
//   POST     /api/v1/collections/:id/alerts/unfreeze   owner or admin
//   GET|PUT  /api/v1/me/alert-preferences               {digestTime}
import express, { type RequestHandler, type Router } from 'express';
import { alertFreeze, unfreezeAlerts } from '../../domain/alerts/circuit-breaker.ts';
import { getAlertPreferences, setDigestTime } from '../../domain/alerts/preferences.ts';
import { getDefaultReminder, setDefaultReminder } from '../../domain/alerts/reminders.ts';
import { getSubscription, setSubscription } from '../../domain/alerts/subscriptions.ts';
import type { Store } from '../../store/index.ts';
import { apiAudit, collectionId, handle, sendJson } from './handle.ts';

/** `auth`: the API's one login (login.ts). */
export function createAlertSettingsRouter(store: Store, auth: RequestHandler): Router {
  const router = express.Router();
  const body = express.json({ limit: '16kb' });

  router.get('/collections/:id/alerts', auth, handle(async (req, res, user) => {
    const id = collectionId(req);
    const sub = await getSubscription(store, user.id, id);
    const freeze = await alertFreeze(store, user.id, id);
    const defaultReminderMinutes = await getDefaultReminder(store, user.id, id);
    sendJson(res, 200, { ...sub, frozenAt: freeze.frozenAt, frozenReason: freeze.frozenReason, defaultReminderMinutes });
  }));

  router.put('/collections/:id/alerts', auth, body, handle(async (req, res, user) => {
    const id = collectionId(req);
    const b = (req.body ?? {}) as { mode?: unknown; defaultReminderMinutes?: unknown };
    if (b.mode !== undefined) await setSubscription(store, user.id, id, String(b.mode));
    if (b.defaultReminderMinutes !== undefined) {
      const minutes = b.defaultReminderMinutes === null ? null : Number(b.defaultReminderMinutes);
      await setDefaultReminder(store, user.id, id, minutes, apiAudit(user));
    }
    sendJson(res, 200, await getSubscription(store, user.id, id));
  }));

  router.post('/collections/:id/alerts/unfreeze', auth, handle(async (req, res, user) => {
    sendJson(res, 200, await unfreezeAlerts(store, user.id, collectionId(req), apiAudit(user)));
  }));

  router.get('/me/alert-preferences', auth, handle(async (_req, res, user) => {
    sendJson(res, 200, await getAlertPreferences(store, user.id));
  }));

  router.put('/me/alert-preferences', auth, body, handle(async (req, res, user) => {
    sendJson(res, 200, await setDigestTime(store, user.id, String(req.body?.digestTime ?? '')));
  }));
  return router;
}
