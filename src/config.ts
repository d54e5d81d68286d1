// The environment, parsed and validated once into a typed object. Nothing
// else in Tidings reads process.env: configuration is passed down from here.

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
