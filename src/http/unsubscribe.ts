// /unsubscribe/<token>: the List-Unsubscribe link (RFC 2369, RFC 8058).
// GET only shows a page with a button: mail scanners and link previews fetch
// every link in a message, and must not unsubscribe anyone. POST acts: the
// page's button, or a mail client's one-click POST with the body
// "List-Unsubscribe=One-Click". The signed token is the only credential: no
// login, no cookies, and it changes only the one subscription it names.
import express, { type Router } from 'express';
import { describeUnsubscribe, unsubscribeSecret, unsubscribeWithToken, type UnsubscribeTarget } from '../domain/alerts/unsubscribe.ts';
import type { Store } from '../store/index.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Tidings</title></head>
<body style="font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5">
<h1 style="font-size:1.3rem">${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

const INVALID = page('This link does not work', '<p>The unsubscribe link is incomplete or was changed. Use the link from the latest message, or change your alert settings after signing in.</p>');

function confirmPage(t: UnsubscribeTarget): string {
  const already = t.mode === 'off';
  return page(
    `Stop mail about “${t.collectionName}”?`,
    `<p>${escapeHtml(t.email)} will no longer get alerts, digests or reminders about “${escapeHtml(t.collectionName)}”. Other calendars are not affected.</p>
${already ? '<p><strong>This is already the case.</strong></p>' : ''}
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="background:#0969da;color:#fff;border:0;border-radius:6px;padding:.6rem 1rem;font-size:1rem;cursor:pointer">Unsubscribe</button></form>`,
  );
}

function donePage(t: UnsubscribeTarget): string {
  return page('Unsubscribed', `<p>${escapeHtml(t.email)} gets no more mail about “${escapeHtml(t.collectionName)}”. You can turn alerts on again in your alert settings.</p>`);
}

/** `configured`: UNSUBSCRIBE_SECRET, or null to use the one kept in the database (made on first use). */
export function createUnsubscribeRouter(store: Store, configured: string | null): Router {
  const router = express.Router();
  const secret = unsubscribeSecret(store, configured);
  // No cache may keep a page that names an address; no referrer may carry the token on.
  router.use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
    next();
  });

  router.get('/:token', async (req, res) => {
    const target = await describeUnsubscribe(store, await secret(), req.params.token);
    if (!target) return void res.status(404).type('html').send(INVALID);
    res.type('html').send(confirmPage(target));
  });

  // RFC 8058 3.1: the body is "List-Unsubscribe=One-Click" as a form; it is accepted whatever it holds.
  router.post('/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const target = await unsubscribeWithToken(store, await secret(), req.params.token, 'web');
    if (!target) return void res.status(404).type('html').send(INVALID);
    res.type('html').send(donePage(target));
  });
  return router;
}
