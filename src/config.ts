// The environment, parsed and validated once into a typed object. Nothing
// else in Tidings reads process.env: configuration is passed down from here.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Config {
  databaseUrl: string;
  httpPort: number;
  smtpPort: number;
  bindAddress: string;
  mailDomain: string;
  publicUrl: string;
  spamdUrl: string | null;
  outboundSmtpUrl: string | null;
  maxMessageBytes: number;
  alertCoalesceSeconds: number;
  logLevel: string;
  /** The SMTP robot's settings (README "SMTP robot"). */
  smtp: SmtpConfig;
  /** CalDAV requests per minute per user; over it, 429 with Retry-After (0: no limit). */
  davRateLimit: number;
  /** Failed logins per account, and per client address, within loginFailureWindowSeconds; over it, 429. */
  loginFailuresPerUser: number;
  loginFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  /** How long a verified login is trusted without hashing again (0: never cached). */
  authCacheSeconds: number;
  /** Event-loop delay over which /readyz answers 503 and the watchdog logs what was running (0: watchdog off). */
  eventLoopDelayLimitMs: number;
  /** A job's time for one stored item (e.g. expanding an event's recurrences); over it, the item is quarantined. */
  jobItemBudgetMs: number;
  /** Outgoing mail: alerts, digests, reminders, webhooks (README "Alerts and outbound mail"). */
  mail: OutboundMailConfig;
}

export interface OutboundMailConfig {
  /** The From of every message Tidings sends, e.g. "Tidings <notifications@MAIL_DOMAIN>". */
  from: string;
  /** OUTBOX_DIR: every outgoing message (alerts, digests, confirmations …) is written here as .eml when OUTBOUND_SMTP_URL is unset. */
  outboxDir: string;
  /** DKIM signing, when a key file is set. */
  dkim: { domain: string; selector: string; privateKeyFile: string } | null;
  /** Key of the signed unsubscribe links; null: one is made and kept in the database. */
  unsubscribeSecret: string | null;
  /** Circuit breaker: alert messages to one address per hour, and changes alerted per collection per hour. */
  recipientBudgetPerHour: number;
  collectionBudgetPerHour: number;
  /** Hard bounces after which mail to an address is suspended. */
  bounceSuspendThreshold: number;
  /** Attempts before an outbox row or webhook delivery is dead-lettered; first retry delay (doubles each time). */
  maxAttempts: number;
  retryBaseSeconds: number;
  webhookTimeoutMs: number;
}

export interface SmtpConfig {
  /** Name in the greeting and in Authentication-Results; defaults to MAIL_DOMAIN. */
  hostname: string;
  /** STARTTLS is offered only when both are set (PEM file paths). */
  tlsKeyFile: string | null;
  tlsCertFile: string | null;
  /** Expect a PROXY protocol v1 header from the load balancer on every connection. */
  proxyProtocol: boolean;
  reverseDns: boolean;
  maxConnections: number;
  maxRecipients: number;
  maxCommandsPerConnection: number;
  /** Per client IP, counted in the database so every instance shares them; 0 turns a limit off. */
  connectionsPerMinute: number;
  messagesPerHour: number;
  /** Relays (CIDRs) whose own Authentication-Results header is believed. */
  trustedRelays: string[];
  /**
   * ARC sealer domains (lower case) whose ARC-Authentication-Results are
   * believed when the chain validates and they made the latest seal: a list
   * that broke the author's DKIM is then not taken for a forger. Empty: ARC
   * never changes a verdict.
   */
  trustedArcSealers: string[];
  spamRejectScore: number;
  spamQuarantineScore: number;
  /** spamd unreachable: defer (451 4.3.0) or accept and flag the inbound record. */
  spamdDown: 'defer' | 'accept';
  spamdTimeoutMs: number;
  /** Larger messages are not sent to spamd (as spamc's --max-size). */
  spamMaxBytes: number;
  /** Confirmations sent to one recipient per hour at most (0: none at all). */
  confirmationsPerHour: number;
  /** A message's reading (MIME, calendar data, date phrases) in a parse worker, at most; past it the worker is killed and the message refused (554 5.6.0). */
  parseTimeoutMs: number;
}

/** A bad variable: the message names it and says what is wrong, in one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  DATABASE_URL: 'mysql://root@127.0.0.1:3306/tidings',
  HTTP_PORT: '8080',
  SMTP_PORT: '2525',
  BIND_ADDRESS: '127.0.0.1',
  MAIL_DOMAIN: 'tidings.localhost',
  PUBLIC_URL: 'http://localhost:8080',
  MAX_MESSAGE_BYTES: '26214400',
  ALERT_COALESCE_SECONDS: '120',
  LOG_LEVEL: 'info',
  // SMTP robot (README "SMTP robot").
  SMTP_HOSTNAME: '',
  SMTP_TLS_KEY: '',
  SMTP_TLS_CERT: '',
  SMTP_PROXY_PROTOCOL: 'off',
  SMTP_REVERSE_DNS: 'off',
  SMTP_MAX_CONNECTIONS: '200',
  // RFC 5321 4.5.3.1.8: a server MUST accept at least 100 recipients per
  // message. An operator may set fewer (senders then split the message after
  // 452 4.5.3), but the default keeps to the RFC.
  SMTP_MAX_RECIPIENTS: '100',
  SMTP_MAX_COMMANDS: '1000',
  SMTP_CONNECTIONS_PER_MINUTE: '120',
  SMTP_MESSAGES_PER_HOUR: '2000',
  SMTP_TRUSTED_RELAYS: '',
  SMTP_TRUSTED_ARC_SEALERS: '',
  // Honest mail is read in milliseconds: ten seconds is generous even on a loaded machine (README "SMTP robot").
  SMTP_PARSE_TIMEOUT_MS: '10000',
  SPAM_REJECT_SCORE: '10',
  SPAM_QUARANTINE_SCORE: '5',
  SPAMD_DOWN: 'defer',
  SPAMD_TIMEOUT_MS: '15000',
  SPAM_MAX_BYTES: '512000',
  CONFIRMATIONS_PER_HOUR: '5',
  // CalDAV: per-user request budget per minute (a client syncing every minute
  // needs a handful), failed-login limits and the verified-login cache.
  DAV_RATE_LIMIT: '600',
  LOGIN_FAILURES_PER_USER: '10',
  LOGIN_FAILURES_PER_ADDRESS: '50',
  LOGIN_FAILURE_WINDOW_SECONDS: '900',
  AUTH_CACHE_SECONDS: '60',
  // The watchdog (README "Operations"): a second of delay already stalls every client.
  EVENT_LOOP_DELAY_LIMIT_MS: '1000',
  JOB_ITEM_BUDGET_MS: '1000',
  // Alerts and outbound mail (README "Alerts and outbound mail"); the SMTP
  // robot's confirmations go through the same outbox.
  MAIL_FROM: '',
  OUTBOX_DIR: 'var/outbox',
  DKIM_PRIVATE_KEY_FILE: '',
  DKIM_SELECTOR: 'tidings',
  DKIM_DOMAIN: '',
  UNSUBSCRIBE_SECRET: '',
  ALERT_RECIPIENT_BUDGET_PER_HOUR: '60',
  ALERT_COLLECTION_BUDGET_PER_HOUR: '300',
  BOUNCE_SUSPEND_THRESHOLD: '3',
  OUTBOX_MAX_ATTEMPTS: '8',
  OUTBOX_RETRY_BASE_SECONDS: '60',
  WEBHOOK_TIMEOUT_MS: '10000',
} as const;

type Env = Record<string, string | undefined>;

function read(env: Env, name: keyof typeof DEFAULTS): string {
  const value = env[name];
  return value === undefined || value === '' ? DEFAULTS[name] : value;
}

function integer(env: Env, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = read(env, name).trim();
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${maskPassword(value)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${maskPassword(value)}"`);
  }
  return value;
}

function flag(env: Env, name: keyof typeof DEFAULTS): boolean {
  const raw = read(env, name).trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be on or off, got "${raw}"`);
}

function score(env: Env, name: keyof typeof DEFAULTS): number {
  const raw = read(env, name).trim();
  if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number such as 5 or 7.5, got "${raw}"`);
  return Number(raw);
}

function file(env: Env, name: keyof typeof DEFAULTS): string | null {
  const value = read(env, name).trim();
  if (value === '') return null;
  if (!existsSync(value)) throw new ConfigError(name, `no such file: ${value}`);
  return value;
}

/** Comma-separated CIDRs or single addresses. */
function networks(env: Env, name: keyof typeof DEFAULTS): string[] {
  const list = read(env, name).split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of list) {
    const [addr, bits, extra] = entry.split('/');
    const family = addr ? isIP(addr) : 0;
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
      throw new ConfigError(name, `"${entry}" is not an IP address or CIDR network`);
    }
  }
  return list;
}

/** Comma-separated domain names (with at least one dot), lower-cased. */
function domains(env: Env, name: keyof typeof DEFAULTS): string[] {
  const list = read(env, name).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const entry of list) {
    if (!DOMAIN.test(entry) || !entry.includes('.')) throw new ConfigError(name, `"${entry}" is not a domain name`);
  }
  return list;
}

function smtpConfig(env: Env, mailDomain: string): SmtpConfig {
  const hostname = read(env, 'SMTP_HOSTNAME').trim().toLowerCase() || mailDomain;
  if (!DOMAIN.test(hostname)) throw new ConfigError('SMTP_HOSTNAME', `is not a host name: "${hostname}"`);
  const tlsKeyFile = file(env, 'SMTP_TLS_KEY');
  const tlsCertFile = file(env, 'SMTP_TLS_CERT');
  if ((tlsKeyFile === null) !== (tlsCertFile === null)) {
    throw new ConfigError(tlsKeyFile ? 'SMTP_TLS_CERT' : 'SMTP_TLS_KEY', 'STARTTLS needs both SMTP_TLS_KEY and SMTP_TLS_CERT');
  }
  const spamRejectScore = score(env, 'SPAM_REJECT_SCORE');
  const spamQuarantineScore = score(env, 'SPAM_QUARANTINE_SCORE');
  if (spamQuarantineScore > spamRejectScore) {
    throw new ConfigError('SPAM_QUARANTINE_SCORE', `must not be above SPAM_REJECT_SCORE (${spamRejectScore}), got ${spamQuarantineScore}`);
  }
  const spamdDown = read(env, 'SPAMD_DOWN').trim().toLowerCase();
  if (spamdDown !== 'defer' && spamdDown !== 'accept') throw new ConfigError('SPAMD_DOWN', `must be defer or accept, got "${spamdDown}"`);
  return {
    hostname,
    tlsKeyFile,
    tlsCertFile,
    proxyProtocol: flag(env, 'SMTP_PROXY_PROTOCOL'),
    reverseDns: flag(env, 'SMTP_REVERSE_DNS'),
    maxConnections: integer(env, 'SMTP_MAX_CONNECTIONS', 1, 100_000),
    maxRecipients: integer(env, 'SMTP_MAX_RECIPIENTS', 1, 1000),
    maxCommandsPerConnection: integer(env, 'SMTP_MAX_COMMANDS', 10, 10_000_000),
    connectionsPerMinute: integer(env, 'SMTP_CONNECTIONS_PER_MINUTE', 0, 1_000_000),
    messagesPerHour: integer(env, 'SMTP_MESSAGES_PER_HOUR', 0, 10_000_000),
    trustedRelays: networks(env, 'SMTP_TRUSTED_RELAYS'),
    trustedArcSealers: domains(env, 'SMTP_TRUSTED_ARC_SEALERS'),
    spamRejectScore,
    spamQuarantineScore,
    spamdDown,
    spamdTimeoutMs: integer(env, 'SPAMD_TIMEOUT_MS', 100, 600_000),
    spamMaxBytes: integer(env, 'SPAM_MAX_BYTES', 1024, 100 * 1024 * 1024),
    confirmationsPerHour: integer(env, 'CONFIRMATIONS_PER_HOUR', 0, 10_000),
    parseTimeoutMs: integer(env, 'SMTP_PARSE_TIMEOUT_MS', 100, 600_000),
  };
}

function outboundMailConfig(env: Env, mailDomain: string): OutboundMailConfig {
  const from = read(env, 'MAIL_FROM').trim() || `Tidings <notifications@${mailDomain}>`;
  if (!/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.?[^\s@<>]*>?$/.test(from)) {
    throw new ConfigError('MAIL_FROM', `must be an address or "Name <address>", got "${from}"`);
  }
  const keyFile = read(env, 'DKIM_PRIVATE_KEY_FILE').trim();
  let dkim: OutboundMailConfig['dkim'] = null;
  if (keyFile !== '') {
    let key: string;
    try {
      key = readFileSync(keyFile, 'utf8');
      createPrivateKey(key);
    } catch (err) {
      throw new ConfigError('DKIM_PRIVATE_KEY_FILE', `cannot read a PEM private key from ${keyFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const selector = read(env, 'DKIM_SELECTOR').trim();
    if (!/^[a-z0-9]([a-z0-9._-]{0,62})$/i.test(selector)) throw new ConfigError('DKIM_SELECTOR', `is not a DKIM selector: "${selector}"`);
    const domain = read(env, 'DKIM_DOMAIN').trim().toLowerCase() || mailDomain;
    if (!DOMAIN.test(domain)) throw new ConfigError('DKIM_DOMAIN', `is not a domain name: "${domain}"`);
    dkim = { domain, selector, privateKeyFile: keyFile };
  }
  const secret = read(env, 'UNSUBSCRIBE_SECRET').trim();
  if (secret !== '' && secret.length < 32) throw new ConfigError('UNSUBSCRIBE_SECRET', 'must be at least 32 characters (or unset, to keep a generated one in the database)');
  return {
    from,
    outboxDir: read(env, 'OUTBOX_DIR').trim(),
    dkim,
    unsubscribeSecret: secret === '' ? null : secret,
    recipientBudgetPerHour: integer(env, 'ALERT_RECIPIENT_BUDGET_PER_HOUR', 1, 1_000_000),
    collectionBudgetPerHour: integer(env, 'ALERT_COLLECTION_BUDGET_PER_HOUR', 1, 100_000_000),
    bounceSuspendThreshold: integer(env, 'BOUNCE_SUSPEND_THRESHOLD', 1, 1000),
    maxAttempts: integer(env, 'OUTBOX_MAX_ATTEMPTS', 1, 100),
    retryBaseSeconds: integer(env, 'OUTBOX_RETRY_BASE_SECONDS', 1, 86400),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 100, 120_000),
  };
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env): Config {
  const databaseUrl = url(env, 'DATABASE_URL', read(env, 'DATABASE_URL'), ['mysql:', 'mariadb:']);
  const dbName = new URL(databaseUrl).pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]{1,64}$/.test(dbName)) {
    throw new ConfigError('DATABASE_URL', `must name a database (letters, digits, _) in its path, got "${dbName}"`);
  }
  const mailDomain = read(env, 'MAIL_DOMAIN').trim().toLowerCase();
  if (!DOMAIN.test(mailDomain)) throw new ConfigError('MAIL_DOMAIN', `is not a domain name: "${mailDomain}"`);
  const publicUrl = url(env, 'PUBLIC_URL', read(env, 'PUBLIC_URL'), ['http:', 'https:']).replace(/\/+$/, '');
  const spamd = env.SPAMD_URL?.trim() ? url(env, 'SPAMD_URL', env.SPAMD_URL.trim(), ['tcp:', 'unix:']) : null;
  const outbound = env.OUTBOUND_SMTP_URL?.trim()
    ? url(env, 'OUTBOUND_SMTP_URL', env.OUTBOUND_SMTP_URL.trim(), ['smtp:', 'smtps:'])
    : null;
  const logLevel = read(env, 'LOG_LEVEL');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const bindAddress = read(env, 'BIND_ADDRESS').trim();
  if (!/^[0-9a-fA-F:.]+$|^localhost$/.test(bindAddress)) {
    throw new ConfigError('BIND_ADDRESS', `must be an IP address, got "${bindAddress}"`);
  }
  return {
    databaseUrl,
    httpPort: integer(env, 'HTTP_PORT', 0, 65535),
    smtpPort: integer(env, 'SMTP_PORT', 0, 65535),
    bindAddress,
    mailDomain,
    publicUrl,
    spamdUrl: spamd,
    outboundSmtpUrl: outbound,
    maxMessageBytes: integer(env, 'MAX_MESSAGE_BYTES', 1024, 1024 * 1024 * 1024),
    alertCoalesceSeconds: integer(env, 'ALERT_COALESCE_SECONDS', 0, 86400),
    logLevel,
    smtp: smtpConfig(env, mailDomain),
    davRateLimit: integer(env, 'DAV_RATE_LIMIT', 0, 1_000_000_000),
    loginFailuresPerUser: integer(env, 'LOGIN_FAILURES_PER_USER', 1, 1_000_000),
    loginFailuresPerAddress: integer(env, 'LOGIN_FAILURES_PER_ADDRESS', 1, 1_000_000),
    loginFailureWindowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 1, 86400),
    authCacheSeconds: integer(env, 'AUTH_CACHE_SECONDS', 0, 3600),
    eventLoopDelayLimitMs: integer(env, 'EVENT_LOOP_DELAY_LIMIT_MS', 0, 600_000),
    jobItemBudgetMs: integer(env, 'JOB_ITEM_BUDGET_MS', 1, 600_000),
    mail: outboundMailConfig(env, mailDomain),
  };
}

/** A URL fit for logs and error messages: any password replaced by ***. */
export function maskPassword(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
