// Composition root: config -> store -> servers -> jobs. Nothing else.
import type { Config } from './config.ts';
import { EventLoopWatchdog } from './event-loop-watchdog.ts';
import { createApp } from './web-server.ts';
import { listen } from './http/server.ts';
import { buildJobContext } from './jobs/context.ts';
import { startJobs } from './jobs/scheduler.ts';
import { listenAs } from './listen-errors.ts';
import type { Logger } from './log.ts';
import { OutboxSender } from './mail/outgoing/outbox/sender.ts';
import type { DnsResolver } from './smtp/authenticity.ts';
import { startSmtpRobot } from './smtp/server.ts';
import { openStore } from './store/index.ts';
import { migrate } from './store/migrate.ts';

export interface Service {
  httpPort: number;
  smtpPort: number;
  stop(): Promise<void>;
}

/** Test seams: a fixed DNS resolver for SPF/DKIM/DMARC (never a real one in tests). */
export interface ServiceOverrides {
  resolver?: DnsResolver;
}

export async function startService(config: Config, log: Logger, overrides: ServiceOverrides = {}): Promise<Service> {
  const migration = await migrate(config.databaseUrl);
  log.info({ database: migration.database, created: migration.created, applied: migration.applied, epoch: migration.epoch }, 'database migrated');
  if (!config.spamdUrl) log.warn('SPAMD_URL is not set: inbound mail will not be checked for spam');
  if (!config.outboundSmtpUrl) log.warn({ outboxDir: config.mail.outboxDir }, `OUTBOUND_SMTP_URL is not set: outgoing mail is written as .eml files under ${config.mail.outboxDir}`);

  const store = openStore(config.databaseUrl);
  const watchdog = new EventLoopWatchdog({ limitMs: config.eventLoopDelayLimitMs, log: log.child({ part: 'watchdog' }) }).start();
  const { httpPort, smtpPort, bindAddress } = config;
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const http = await listenAs('HTTP_PORT', httpPort, bindAddress, () =>
      listen(createApp({ store, log: log.child({ part: 'http' }), config, watchdog }), httpPort, bindAddress),
    );
    opened.push(http);
    log.info({ port: http.port, address: bindAddress }, 'HTTP listening');
    // Confirmations are outbox rows like every other message: the outbox-delivery job sends them (relay or OUTBOX_DIR).
    const outbox = new OutboxSender(store, config.mailDomain);
    const smtp = await listenAs('SMTP_PORT', smtpPort, bindAddress, () =>
      startSmtpRobot({ store, log: log.child({ part: 'smtp' }), config, outbox, resolver: overrides.resolver }),
    );
    opened.push(smtp);
    log.info({ port: smtp.port, address: bindAddress, starttls: config.smtp.tlsKeyFile !== null, proxyProtocol: config.smtp.proxyProtocol }, 'SMTP listening');
    const jobContext = await buildJobContext({ config, store, log: log.child({ part: 'jobs' }), watchdog });
    const jobs = await startJobs(jobContext);
    log.info({ mailer: jobContext.mailer.describe, dkim: config.mail.dkim !== null }, 'outbound mail');

    let stopping: Promise<void> | null = null;
    return {
      httpPort: http.port,
      smtpPort: smtp.port,
      stop() {
        stopping ??= (async () => {
          await Promise.all([http.close(), smtp.close()]);
          // Running jobs finish their current slice (a send in flight completes) before the store closes.
          await jobs.stop();
          jobContext.mailer.close();
          await store.close();
          watchdog.stop();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    // A part that cannot start (say, SMTP_PORT is taken) must not leave the
    // others open: the process would go on running after saying it failed.
    await Promise.all(opened.map((part) => part.close()));
    await store.close();
    watchdog.stop();
    throw err;
  }
}
