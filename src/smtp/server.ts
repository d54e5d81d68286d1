// The SMTP robot's listener: smtp-server runs the protocol, the hooks (one
// per stage) call the pipeline. EHLO offers SIZE, PIPELINING, 8BITMIME,
// SMTPUTF8, ENHANCEDSTATUSCODES, and STARTTLS when a key and certificate are
// configured; there is no AUTH and no relaying. Reverse DNS is off unless
// configured (it costs a lookup per connection and tests must never reach
// a real resolver).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { loadMailTemplates } from '../mail/outgoing/templates.ts';
import type { Config } from '../config.ts';
import { unsubscribeSecret } from '../domain/alerts/unsubscribe.ts';
import type { ReturnMailSettings } from '../domain/bounces/return-mail.ts';
import type { Logger } from '../log.ts';
import type { MailSender } from '../mail/outgoing/outbox/sender.ts';
import { ParsePool } from '../mail/parse-pool.ts';
import type { Store } from '../store/index.ts';
import type { DnsResolver } from './authenticity.ts';
import { TidingsSmtpServer } from './connection.ts';
import type { RobotDeps } from './deps.ts';
import { onConnect } from './hooks/connect.ts';
import { onData } from './hooks/data.ts';
import { onMailFrom } from './hooks/mail-from.ts';
import { onRcptTo } from './hooks/rcpt-to.ts';
import { createRateLimits } from '../domain/limits.ts';
import { SpamdClient } from './spamd.ts';

export interface SmtpRobot {
  port: number;
  close(): Promise<void>;
}

export interface RobotOptions {
  store: Store;
  log: Logger;
  config: Pick<Config, 'mailDomain' | 'maxMessageBytes' | 'publicUrl' | 'spamdUrl' | 'smtpPort' | 'bindAddress' | 'smtp' | 'mail'>;
  /** Where confirmations go: the real outbox (OutboxSender) in the service. */
  outbox: MailSender;
  resolver?: DnsResolver;
}

export function trustedRelayCheck(networks: string[]): (ip: string) => boolean {
  if (networks.length === 0) return () => false;
  const list = new net.BlockList();
  for (const entry of networks) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (ip) => {
    const plain = ip.replace(/^::ffff:/i, '');
    const family = net.isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The return-mail settings: the bounce threshold, and the unsubscribe secret (domain/alerts/unsubscribe.ts). */
function returnMailSettings(store: Store, mail: Config['mail']): () => Promise<ReturnMailSettings> {
  const secret = unsubscribeSecret(store, mail.unsubscribeSecret);
  return async () => ({ unsubscribeSecret: await secret(), bounceSuspendThreshold: mail.bounceSuspendThreshold });
}

export async function startSmtpRobot(options: RobotOptions): Promise<SmtpRobot> {
  const { config } = options;
  const smtp = config.smtp;
  const deps: RobotDeps = {
    store: options.store,
    log: options.log,
    config,
    spamd: config.spamdUrl ? new SpamdClient(config.spamdUrl, smtp.spamdTimeoutMs) : null,
    limits: createRateLimits(options.store, smtp),
    outbox: options.outbox,
    templates: loadMailTemplates(),
    returnMail: returnMailSettings(options.store, config.mail),
    resolver: options.resolver,
    isTrustedRelay: trustedRelayCheck(smtp.trustedRelays),
    parser: new ParsePool({ timeoutMs: smtp.parseTimeoutMs }),
  };
  const tls = smtp.tlsKeyFile && smtp.tlsCertFile ? { key: readFileSync(smtp.tlsKeyFile), cert: readFileSync(smtp.tlsCertFile) } : null;
  const server = new TidingsSmtpServer(
    {
      name: smtp.hostname,
      banner: 'Tidings',
      size: config.maxMessageBytes,
      rejectOversized: true,
      hideENHANCEDSTATUSCODES: false,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      authOptional: true,
      ...(tls ?? {}),
      useProxy: smtp.proxyProtocol,
      disableReverseLookup: !smtp.reverseDns,
      maxClients: smtp.maxConnections,
      maxRecipients: smtp.maxRecipients,
      closeTimeout: 10_000,
      logger: false,
      onConnect: onConnect(deps),
      onMailFrom: onMailFrom(deps),
      onRcptTo: onRcptTo(deps),
      onData: onData(deps),
    },
    smtp.maxCommandsPerConnection,
  );
  server.on('error', (err) => options.log.warn({ err }, 'SMTP connection error'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(config.smtpPort, config.bindAddress, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await deps.parser.close();
    throw err;
  }
  return {
    port: (server.server.address() as net.AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.parser.close();
    },
  };
}
