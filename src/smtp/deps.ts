// What the SMTP robot needs from the composition root.
import type { MailTemplates } from '../mail/outgoing/templates.ts';
import type { Config } from '../config.ts';
import type { ReturnMailSettings } from '../domain/bounces/return-mail.ts';
import type { Logger } from '../log.ts';
import type { MailSender } from '../mail/outgoing/outbox/sender.ts';
import type { ParsePool } from '../mail/parse-pool.ts';
import type { Store } from '../store/index.ts';
import type { DnsResolver } from './authenticity.ts';
import type { RateLimits } from '../domain/limits.ts';
import type { SpamdClient } from './spamd.ts';

export interface RobotDeps {
  store: Store;
  log: Logger;
  config: Pick<Config, 'mailDomain' | 'maxMessageBytes' | 'publicUrl' | 'smtp'>;
  spamd: SpamdClient | null;
  limits: RateLimits;
  /** Confirmations go through the outbox (OutboxSender): the outbox-delivery job sends them. */
  outbox: MailSender;
  /** mailtemplates/ (the confirmation's words). */
  templates: MailTemplates;
  /** The unsubscribe secret (UNSUBSCRIBE_SECRET, else the one kept in the database) and the bounce threshold. */
  returnMail(): Promise<ReturnMailSettings>;
  /** DNS for SPF/DKIM/DMARC; tests inject fixed records. Absent: the system resolver. */
  resolver?: DnsResolver;
  /** Reads each message in a worker thread under SMTP_PARSE_TIMEOUT_MS. */
  parser: ParsePool;
  /** Client addresses whose Authentication-Results are believed. */
  isTrustedRelay(ip: string): boolean;
}
