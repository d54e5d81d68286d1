// Composition root: config -> store -> servers -> jobs. Nothing else.
import type { Config } from './config.ts';
import { createApp } from './http/app.ts';
import { listen } from './http/server.ts';
import type { Logger } from './log.ts';
import { openStore } from './store/index.ts';
import { migrate } from './store/migrate.ts';

export interface Service {
  httpPort: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger): Promise<Service> {
  const migration = await migrate(config.databaseUrl);
  log.info({ database: migration.database, created: migration.created, applied: migration.applied, epoch: migration.epoch }, 'database migrated');
  if (!config.spamdUrl) log.warn('SPAMD_URL is not set: inbound mail will not be checked for spam');
  if (!config.outboundSmtpUrl) log.warn('OUTBOUND_SMTP_URL is not set: outgoing mail is written as .eml files under var/outbox/');

  const store = openStore(config.databaseUrl);
  const http = await listen(createApp({ store, log: log.child({ part: 'http' }) }), config.httpPort, config.bindAddress);
  log.info({ port: http.port, address: config.bindAddress }, 'HTTP listening');

  let stopping: Promise<void> | null = null;
  return {
    httpPort: http.port,
    stop() {
      stopping ??= (async () => {
        await http.close();
        await store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
