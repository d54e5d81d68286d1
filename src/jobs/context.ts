// What every job run gets: the shared store, configuration, the one mailer,
// the templates, a clock (injectable, so digests and reminders are tested
// without sleeping) and an id naming this instance in row claims.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AlertMailSettings } from '../mail/outgoing/headers.ts';
import { loadMailTemplates, type MailTemplates } from '../mail/outgoing/templates.ts';
import type { WebhookTls } from './webhook-post.ts';
import type { Config } from '../config.ts';
import type { EventLoopWatchdog } from '../event-loop-watchdog.ts';
import { unsubscribeSecret } from '../domain/alerts/unsubscribe.ts';
import { PUBLIC_ADDRESSES_ONLY } from '../domain/webhooks/address-policy.ts';
import { systemResolve, type WebhookGuard } from '../domain/webhooks/webhooks.ts';
import type { Logger } from '../log.ts';
import { createMailer, type Mailer } from '../mail/outgoing/outbox/mailer.ts';
import type { Store } from '../store/index.ts';

export interface JobContext {
  store: Store;
  config: Config;
  log: Logger;
  now: () => Date;
  mailer: Mailer;
  templates: MailTemplates;
  alertSettings: AlertMailSettings;
  webhookGuard: WebhookGuard;
  /** Extra trust for webhook TLS (tests' own CA); production leaves it unset. */
  webhookTls?: WebhookTls;
  /** "<host>:<pid>:<random>": who holds a claimed row. */
  workerId: string;
  /** Told which job runs, so a stalled event loop is blamed on the right one. */
  watchdog?: EventLoopWatchdog;
}

export type JobRun = (ctx: JobContext, signal: AbortSignal) => Promise<object>;

/** The context the service runs jobs with: the relay or .eml mailer, the real clock, public addresses only for webhooks. */
export async function buildJobContext(deps: { config: Config; store: Store; log: Logger; watchdog?: EventLoopWatchdog }): Promise<JobContext> {
  const { config, store } = deps;
  const secret = await unsubscribeSecret(store, config.mail.unsubscribeSecret)();
  return {
    store,
    config,
    log: deps.log,
    now: () => new Date(),
    mailer: createMailer({ mailDomain: config.mailDomain, outboundSmtpUrl: config.outboundSmtpUrl, mail: config.mail }),
    templates: loadMailTemplates(),
    alertSettings: { mailDomain: config.mailDomain, publicUrl: config.publicUrl, unsubscribeSecret: secret },
    webhookGuard: { policy: PUBLIC_ADDRESSES_ONLY, resolve: systemResolve },
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    watchdog: deps.watchdog,
  };
}
