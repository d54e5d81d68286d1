// Job: POSTs due webhook deliveries (webhook-post.ts), retrying with backoff
// like the outbox; the domain keeps the queue and the retry rule
// (domain/webhooks/deliveries.ts).
import { claimWebhookDeliveries, expireWebhookLeases, purgeWebhookDeliveries, webhookDelivered, webhookFailed } from '../domain/webhooks/deliveries.ts';
import type { JobContext } from './context.ts';
import { postWebhook } from './webhook-post.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  const { store, workerId } = ctx;
  const report = { delivered: 0, retried: 0, dead: 0, interrupted: await expireWebhookLeases(store, ctx.now()) };
  while (!signal.aborted) {
    const due = await claimWebhookDeliveries(store, { now: ctx.now(), limit: 20, leaseMs: 10 * 60_000, workerId });
    if (due.length === 0) break;
    await Promise.all(
      due.map(async (d) => {
        const result = await postWebhook(
          { deliveryId: d.id, url: d.url, secret: d.secret, payload: d.payload },
          { guard: ctx.webhookGuard, timeoutMs: ctx.config.mail.webhookTimeoutMs, tls: ctx.webhookTls, now: ctx.now() },
        );
        if (result.ok) {
          await webhookDelivered(store, d, workerId, ctx.now());
          report.delivered++;
          return;
        }
        const outcome = await webhookFailed(store, d, workerId, result, { maxAttempts: ctx.config.mail.maxAttempts, retryBaseSeconds: ctx.config.mail.retryBaseSeconds, now: ctx.now() });
        if (outcome === 'dead') {
          ctx.log.warn({ webhookId: String(d.webhookId), deliveryId: String(d.id), error: result.error }, 'webhook delivery dead-lettered');
          report.dead++;
        } else {
          report.retried++;
        }
      }),
    );
  }
  await purgeWebhookDeliveries(store, ctx.now());
  return report;
}
