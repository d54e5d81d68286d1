// Job: POSTs due webhook deliveries, retrying with backoff like the outbox.
import { postWebhook } from './webhook-post.ts';
import { loadWebhookDeliveries, noteWebhookSuccess } from '../domain/webhooks/deliveries.ts';
import { WEBHOOK_QUEUE, claimDue, expireLeases, markDead, markDone, markRetry, purgeFinished, retryDelayMs } from '../store/leased-queue.ts';
import type { JobContext } from './context.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  const { pool } = ctx.store;
  const report = { delivered: 0, retried: 0, dead: 0, interrupted: await expireLeases(pool, WEBHOOK_QUEUE, ctx.now()) };
  while (!signal.aborted) {
    const ids = await claimDue(pool, WEBHOOK_QUEUE, { now: ctx.now(), limit: 20, leaseMs: 10 * 60_000, workerId: ctx.workerId });
    if (ids.length === 0) break;
    await Promise.all(
      (await loadWebhookDeliveries(pool, ids)).map(async (d) => {
        const result = await postWebhook(
          { deliveryId: d.id, url: d.url, secret: d.secret, payload: d.payload },
          { guard: ctx.webhookGuard, timeoutMs: ctx.config.mail.webhookTimeoutMs, tls: ctx.webhookTls, now: ctx.now() },
        );
        if (result.ok) {
          await markDone(pool, WEBHOOK_QUEUE, [d.id], ctx.workerId, ctx.now());
          await noteWebhookSuccess(pool, d.webhookId, ctx.now());
          report.delivered++;
        } else if (result.permanent || d.attempts >= ctx.config.mail.maxAttempts) {
          await markDead(pool, WEBHOOK_QUEUE, d.id, ctx.workerId, result.error);
          ctx.log.warn({ webhookId: String(d.webhookId), deliveryId: String(d.id), error: result.error }, 'webhook delivery dead-lettered');
          report.dead++;
        } else {
          await markRetry(pool, WEBHOOK_QUEUE, d.id, ctx.workerId, new Date(ctx.now().getTime() + retryDelayMs(d.attempts, ctx.config.mail.retryBaseSeconds)), result.error);
          report.retried++;
        }
      }),
    );
  }
  await purgeFinished(pool, WEBHOOK_QUEUE, new Date(ctx.now().getTime() - 7 * 86_400_000));
  return report;
}
