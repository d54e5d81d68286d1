// The `tidings` command: parses the command line, opens what the command
// needs and maps every failure to one clear line and an exit code
// (0 ok, 1 refused or failed, 2 usage or configuration).
import { writeFile } from 'node:fs/promises';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import { exportUser } from '../domain/export.ts';
import { createLogger } from '../log.ts';
import { startService } from '../main.ts';
import { describeConnectionError, isUnreachable } from '../store/connection-errors.ts';
import { openStore, type Store } from '../store/index.ts';
import { migrate, MigrationError } from '../store/migrate.ts';
import { addressCommand } from './addresses.ts';
import { appPasswordCommand } from './app-passwords.ts';
import { parse, UsageError } from './args.ts';
import { collectionCommand } from './collections.ts';
import { epochCommand } from './epoch.ts';
import { feedCommand } from './feeds.ts';
import { createOutput, jsonReplacer, type Output } from './output.ts';
import { inboundCommand, quarantineCommand } from './quarantine.ts';
import { userCommand } from './users.ts';
import { bouncesCommand } from './bounces.ts';
import { alertsCommand, outboxCommand } from './outbox.ts';

export const USAGE = `usage: tidings <command> [--json]

  serve                                    migrate, then run the service (default)
  migrate                                  create/upgrade the database
  user add EMAIL --password P [--admin] [--name N] [--time-zone TZ] [--quota-mb N]
  user disable|enable EMAIL
  collection add OWNER_EMAIL NAME [--time-zone TZ] [--color #RRGGBB] [--components VEVENT,VTODO]
  collection share ID EMAIL --role editor|viewer
  collection list EMAIL
  address add --collection ID [--policy owner|members|allowlist|anyone]
              [--mode auto|event|task|note] [--allow ADDRESS ...] [--confirm]
  address list [--collection ID]
  address disable|enable|rotate ADDRESS
  app-password add EMAIL --label L         a password for one calendar client (shown once)
  app-password list EMAIL
  app-password revoke EMAIL ID
  feed add --collection ID                 a read-only subscription URL (/feeds/<token>.ics)
  feed revoke TOKEN
  quarantine list EMAIL                    messages held as possible spam
  quarantine release|delete ID             deliver a held message after all, or drop it
  inbound list EMAIL [--limit N]           what the SMTP robot did with recent mail, and why
  export EMAIL --out FILE                  the user's collections as iCalendar, and settings
  bounces list [--suspended]               addresses whose mail bounced (suspended ones get none)
  bounces clear EMAIL                      forget its bounces and lift its suspension
  outbox list [--state dead|queued|sending|sent]
                                           outgoing mail (default: the dead letters)
  outbox retry ID                          queue a dead message again
  alerts unfreeze COLLECTION_ID            resume alerts the circuit breaker stopped
  epoch renew                              run right after restoring a backup: older sync tokens/ctags are refused

Configuration comes from the environment (DATABASE_URL, HTTP_PORT, ...; see README).`;

async function withStore(config: Config, fn: (store: Store) => Promise<void>): Promise<void> {
  await migrate(config.databaseUrl);
  const store = openStore(config.databaseUrl, { connectionLimit: 2 });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

async function serve(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const service = await startService(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      service.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function dispatch(argv: string[], config: Config, out: Output): Promise<void> {
  const [command = 'serve', ...rest] = argv.filter((a) => a !== '--json');
  switch (command) {
    case 'serve':
      parse(rest, {}, 0);
      return serve(config);
    case 'migrate': {
      parse(rest, {}, 0);
      const result = await migrate(config.databaseUrl);
      out.result(
        `database ${result.database}${result.created ? ' created' : ''}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already applied`,
        result,
      );
      return;
    }
    case 'user':
      return withStore(config, (store) => userCommand(store, rest, out));
    case 'collection':
      return withStore(config, (store) => collectionCommand(store, rest, out));
    case 'address':
      return withStore(config, (store) => addressCommand(store, config, rest, out));
    case 'app-password':
      return withStore(config, (store) => appPasswordCommand(store, rest, out));
    case 'feed':
      return withStore(config, (store) => feedCommand(store, config, rest, out));
    case 'quarantine':
      return withStore(config, (store) => quarantineCommand(store, rest, out));
    case 'inbound':
      return withStore(config, (store) => inboundCommand(store, rest, out));
    case 'bounces':
      return withStore(config, (store) => bouncesCommand(store, rest, out));
    case 'outbox':
      return withStore(config, (store) => outboxCommand(store, rest, out));
    case 'alerts':
      return withStore(config, (store) => alertsCommand(store, rest, out));
    case 'epoch':
      return withStore(config, (store) => epochCommand(store, rest, out));
    case 'export': {
      const { values, positionals } = parse(rest, { out: { type: 'string' } }, 1);
      if (!values.out) throw new UsageError('export needs --out FILE');
      return withStore(config, async (store) => {
        const data = await exportUser(store, positionals[0]!);
        await writeFile(values.out!, JSON.stringify(data, jsonReplacer, 2) + '\n', { mode: 0o600 });
        out.result(`exported ${data.collections.length} collection(s) of ${data.user.email} to ${values.out}`, {
          file: values.out,
          collections: data.collections.length,
        });
      });
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  const fail = (kind: string, message: string, code: number) => {
    if (json) process.stdout.write(JSON.stringify({ error: { kind, message } }) + '\n');
    process.stderr.write(`tidings: ${message}\n`);
    return code;
  };
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return fail('config', `invalid configuration: ${err.message}`, 2);
    throw err;
  }
  try {
    await dispatch(argv, config, out);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      if (!json) process.stderr.write(USAGE + '\n\n');
      return fail('usage', err.message, 2);
    }
    if (err instanceof DomainError) return fail(err.name, err.message, 1);
    if (err instanceof MigrationError) return fail('migration', err.message, 1);
    if (isUnreachable(err)) return fail('database', describeConnectionError(err, config.databaseUrl), 1);
    return fail('internal', `unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1);
  }
}
