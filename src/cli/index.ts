// The `tidings` command: parses the command line, opens what the command
// needs and maps every failure to one clear line and an exit code
// (0 ok, 1 refused or failed, 2 usage or configuration).
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import { ListenError } from '../listen-errors.ts';
import { describeConnectionError, isUnreachable } from '../store/connection-errors.ts';
import type { Store } from '../store/index.ts';
import { parse, UsageError } from './args.ts';
import { createOutput, jsonReplacer, type Output } from './output.ts';

// Everything else is imported by the command that needs it, when it runs:
// the store (Prisma's client), the servers and mail parsing take seconds to
// load, and `help`, a mistyped command or one with bad top-level arguments
// must answer at once. Keep heavy modules out of the static imports above.

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
  repair timezones [--dry-run]             once after upgrading: give stored items the VTIMEZONE of every TZID they name
  check-items                              once after upgrading: list stored items that break the limits on calendar data

Configuration comes from the environment (DATABASE_URL, HTTP_PORT, ...; see README).`;

async function withStore(config: Config, fn: (store: Store) => Promise<void>): Promise<void> {
  const [{ migrate }, { openStore }] = await Promise.all([import('../store/migrate.ts'), import('../store/index.ts')]);
  await migrate(config.databaseUrl);
  const store = openStore(config.databaseUrl, { connectionLimit: 2 });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

async function serve(config: Config): Promise<void> {
  const [{ createLogger }, { startService }] = await Promise.all([import('../log.ts'), import('../main.ts')]);
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

async function migrateCommand(config: Config, out: Output): Promise<void> {
  const { migrate } = await import('../store/migrate.ts');
  const result = await migrate(config.databaseUrl);
  out.result(
    `database ${result.database}${result.created ? ' created' : ''}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already applied`,
    result,
  );
}

async function exportCommand(config: Config, rest: string[], out: Output): Promise<void> {
  const { values, positionals } = parse(rest, { out: { type: 'string' } }, 1);
  if (!values.out) throw new UsageError('export needs --out FILE');
  const [{ writeFile }, { exportUser }] = await Promise.all([import('node:fs/promises'), import('../domain/export.ts')]);
  return withStore(config, async (store) => {
    const data = await exportUser(store, positionals[0]!);
    await writeFile(values.out!, JSON.stringify(data, jsonReplacer, 2) + '\n', { mode: 0o600 });
    out.result(`exported ${data.collections.length} collection(s) of ${data.user.email} to ${values.out}`, {
      file: values.out,
      collections: data.collections.length,
    });
  });
}

type Command = (config: Config, rest: string[], out: Output) => Promise<void>;

/** A command group that works on the store: its module loads while the database is migrated. */
function storeCommand<M>(load: () => Promise<M>, run: (module: M, store: Store, config: Config, rest: string[], out: Output) => Promise<void>): Command {
  return (config, rest, out) => {
    const loading = load();
    loading.catch(() => undefined); // awaited below; a failed migration must not leave it unhandled
    return withStore(config, async (store) => run(await loading, store, config, rest, out));
  };
}

/** The command groups that work on the store; each module is loaded only when its command runs. */
const STORE_COMMANDS: Record<string, Command> = {
  user: storeCommand(() => import('./users.ts'), (m, store, _config, rest, out) => m.userCommand(store, rest, out)),
  collection: storeCommand(() => import('./collections.ts'), (m, store, _config, rest, out) => m.collectionCommand(store, rest, out)),
  address: storeCommand(() => import('./addresses.ts'), (m, store, config, rest, out) => m.addressCommand(store, config, rest, out)),
  'app-password': storeCommand(() => import('./app-passwords.ts'), (m, store, _config, rest, out) => m.appPasswordCommand(store, rest, out)),
  feed: storeCommand(() => import('./feeds.ts'), (m, store, config, rest, out) => m.feedCommand(store, config, rest, out)),
  quarantine: storeCommand(() => import('./quarantine.ts'), (m, store, _config, rest, out) => m.quarantineCommand(store, rest, out)),
  inbound: storeCommand(() => import('./quarantine.ts'), (m, store, _config, rest, out) => m.inboundCommand(store, rest, out)),
  bounces: storeCommand(() => import('./bounces.ts'), (m, store, _config, rest, out) => m.bouncesCommand(store, rest, out)),
  outbox: storeCommand(() => import('./outbox.ts'), (m, store, _config, rest, out) => m.outboxCommand(store, rest, out)),
  alerts: storeCommand(() => import('./outbox.ts'), (m, store, _config, rest, out) => m.alertsCommand(store, rest, out)),
  epoch: storeCommand(() => import('./epoch.ts'), (m, store, _config, rest, out) => m.epochCommand(store, rest, out)),
  repair: storeCommand(() => import('./repair.ts'), (m, store, _config, rest, out) => m.repairCommand(store, rest, out)),
  'check-items': storeCommand(() => import('./check-items.ts'), (m, store, _config, rest, out) => m.checkItemsCommand(store, rest, out)),
};

async function dispatch(argv: string[], config: Config, out: Output): Promise<void> {
  const [command = 'serve', ...rest] = argv.filter((a) => a !== '--json');
  switch (command) {
    case 'serve':
      parse(rest, {}, 0);
      return serve(config);
    case 'migrate':
      parse(rest, {}, 0);
      return migrateCommand(config, out);
    case 'export':
      return exportCommand(config, rest, out);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return;
    default: {
      const run = Object.hasOwn(STORE_COMMANDS, command) ? STORE_COMMANDS[command] : undefined;
      if (!run) throw new UsageError(`unknown command "${command}"`);
      return run(config, rest, out);
    }
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
    if (err instanceof ListenError) return fail('listen', err.message, 1);
    // Loaded here, not above: only a command that migrated can throw it.
    const { MigrationError } = await import('../store/migrate.ts');
    if (err instanceof MigrationError) return fail('migration', err.message, 1);
    if (isUnreachable(err)) return fail('database', describeConnectionError(err, config.databaseUrl), 1);
    return fail('internal', `unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1);
  }
}
