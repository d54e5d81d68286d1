// What the SMTP robot needs from the composition root.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { MailSender } from '../mail/out/outbox.ts';
import type { Store } from '../store/index.ts';
import type { DnsResolver } from './authenticity.ts';
import type { RateLimits } from './rate-limit.ts';
import type { SpamdClient } from './spamd.ts';

export interface RobotDeps {
  store: Store;
  log: Logger;
  config: Pick<Config, 'mailDomain' | 'maxMessageBytes' | 'publicUrl' | 'smtp'>;
  spamd: SpamdClient | null;
  limits: RateLimits;
  outbox: MailSender;
  /** DNS for SPF/DKIM/DMARC; tests inject fixed records. Absent: the system resolver. */
  resolver?: DnsResolver;
  /** Client addresses whose Authentication-Results are believed. */
  isTrustedRelay(ip: string): boolean;
}
