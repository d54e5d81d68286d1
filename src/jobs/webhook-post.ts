// One signed POST to a webhook. The host is resolved and every address
// checked against the policy at delivery time too, and the connection goes
// to the address that was checked (a pinned lookup), so a DNS answer that
// changes between check and connect (rebinding) cannot reach an internal
// address. Redirects are not followed, for the same reason.
//
// Signature (documented for receivers): header Tidings-Signature is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>"; receivers
// recompute it over the raw body and refuse stale timestamps (replays).
import { createHmac } from 'node:crypto';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { InvalidInput } from '../domain/errors.ts';
import { checkWebhookUrl, type WebhookGuard } from '../domain/webhooks/webhooks.ts';

export interface WebhookTls {
  /** CAs to trust besides the system's (tests' self-signed receiver). */
  ca?: string | Buffer;
}

export type WebhookResult = { ok: true; status: number } | { ok: false; permanent: boolean; error: string; status?: number };

export const SIGNATURE_HEADER = 'Tidings-Signature';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookPost {
  deliveryId: bigint;
  url: string;
  secret: string;
  payload: string;
}

export async function postWebhook(p: WebhookPost, o: { guard: WebhookGuard; timeoutMs: number; tls?: WebhookTls; now: Date }): Promise<WebhookResult> {
  let target: Awaited<ReturnType<typeof checkWebhookUrl>>;
  try {
    target = await checkWebhookUrl(p.url, o.guard);
  } catch (err) {
    if (err instanceof InvalidInput) return { ok: false, permanent: err.reason === 'webhook-address' || err.reason === 'webhook-url', error: err.message };
    throw err;
  }
  const { url } = target;
  const pinned = target.addresses[0]!;
  const lookup: LookupFunction = (_host, options, callback) => {
    const cb = callback as (err: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;
    if ((options as { all?: boolean }).all) cb(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
  const timestamp = Math.floor(o.now.getTime() / 1000);
  return new Promise<WebhookResult>((resolve) => {
    const req = https.request(
      {
        method: 'POST',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
        lookup,
        agent: false,
        ca: o.tls?.ca,
        timeout: o.timeoutMs,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(p.payload),
          'User-Agent': 'Tidings-Webhooks/1',
          'Tidings-Delivery': String(p.deliveryId),
          [SIGNATURE_HEADER]: signWebhook(p.secret, timestamp, p.payload),
        },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () => {
          if (status >= 200 && status < 300) resolve({ ok: true, status });
          else if (status >= 300 && status < 400) resolve({ ok: false, permanent: true, status, error: `HTTP ${status}: redirects are not followed` });
          else resolve({ ok: false, permanent: status >= 400 && status < 500 && status !== 408 && status !== 429, status, error: `HTTP ${status}` });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, permanent: false, error: `${(err as { code?: string }).code ?? 'error'}: ${err.message}` }));
    req.end(p.payload);
  });
}
