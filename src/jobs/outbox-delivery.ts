// Job: delivers due outbox rows through the mailer (relay or .eml files).
import { ensureReturnRoutes } from '../domain/bounces/return-mail.ts';
import { deliverOutbox } from '../mail/outgoing/outbox/delivery.ts';
import type { JobContext } from './context.ts';

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  // Bounces must find their way back before the first message leaves.
  await ensureReturnRoutes(ctx.store, ctx.config.mailDomain);
  return deliverOutbox({
    pool: ctx.store.pool,
    mailer: ctx.mailer,
    workerId: ctx.workerId,
    now: ctx.now,
    maxAttempts: ctx.config.mail.maxAttempts,
    retryBaseSeconds: ctx.config.mail.retryBaseSeconds,
    signal,
    onFailure: (mail, outcome, error) =>
      ctx.log[outcome === 'dead' ? 'error' : 'warn']({ outboxId: String(mail.id), kind: mail.kind, recipient: mail.recipient, error }, outcome === 'dead' ? 'outbox message dead-lettered' : 'outbox message will be retried'),
  });
}
