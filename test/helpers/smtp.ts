// The real SMTP robot on port 0 over a test database, and a real SMTP client
// (nodemailer's SMTPConnection) that returns the exact reply lines. The robot
// queues its confirmations in the real outbox (OutboxSender); outbox() runs
// the real delivery pass (the .eml mailer) and returns what it wrote.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { pino } from 'pino';
import { emlFileNames } from './outbox-files.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { deliverOutbox } from '../../src/mail/outgoing/outbox/delivery.ts';
import { createMailer } from '../../src/mail/outgoing/outbox/mailer.ts';
import { OutboxSender } from '../../src/mail/outgoing/outbox/sender.ts';
import type { DnsResolver } from '../../src/smtp/authenticity.ts';
import { startSmtpRobot, type SmtpRobot } from '../../src/smtp/server.ts';
import type { Store } from '../../src/store/index.ts';

export interface TestRobot extends SmtpRobot {
  config: Config;
  outboxDir: string;
  /** Delivers what is queued in the outbox (as .eml files), then returns every .eml file written so far, oldest first. */
  outbox(): Promise<string[]>;
}

export async function startTestRobot(store: Store, resolver: DnsResolver, env: Record<string, string> = {}): Promise<TestRobot> {
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'tidings-outbox-'));
  const config = loadConfig({
    MAIL_DOMAIN: 'tidings.test',
    SMTP_PORT: '0',
    SMTP_CONNECTIONS_PER_MINUTE: '0',
    SMTP_MESSAGES_PER_HOUR: '0',
    OUTBOX_DIR: outboxDir,
    ...env,
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const robot = await startSmtpRobot({ store, log, config, outbox: new OutboxSender(store, config.mailDomain), resolver });
  const mailer = createMailer({ mailDomain: config.mailDomain, outboundSmtpUrl: null, mail: config.mail });
  after(async () => {
    await robot.close();
    mailer.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });
  return {
    ...robot,
    config,
    outboxDir,
    outbox: async () => {
      await deliverOutbox({ pool: store.pool, mailer, workerId: `test-robot:${process.pid}`, now: () => new Date(), maxAttempts: 1, retryBaseSeconds: 60 });
      return emlFileNames(outboxDir).map((f) => readFileSync(path.join(outboxDir, f), 'utf8'));
    },
  };
}

export interface SendResult {
  /** The reply to DATA ("250 2.6.0 ..."), or the failure's reply line. */
  response: string;
  accepted: string[];
  /** Each refused recipient's reply line. */
  rejected: Record<string, string>;
}

/** One SMTP session, reused for several messages (as real MTAs do). */
export class SmtpClient {
  private readonly connection: SMTPConnection;

  private constructor(port: number, options: Record<string, unknown>) {
    this.connection = new SMTPConnection({ port, host: '127.0.0.1', name: 'client.test', ignoreTLS: true, socketTimeout: 120_000, ...options } as never);
  }

  static async open(port: number, options: Record<string, unknown> = {}): Promise<SmtpClient> {
    const client = new SmtpClient(port, options);
    await new Promise<void>((resolve, reject) => {
      client.connection.once('error', reject);
      client.connection.connect(() => {
        client.connection.off('error', reject);
        resolve();
      });
    });
    return client;
  }

  get ehlo(): string[] {
    return (this.connection as unknown as { _supportedExtensions: string[] })._supportedExtensions;
  }

  send(from: string, to: string | string[], raw: string | Buffer, extra: { size?: number } = {}): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.connection.send({ from, to, ...extra } as never, raw, (err, info) => {
        if (err) {
          const e = err as Error & { response?: string; rejectedErrors?: Array<{ recipient: string; response: string }> };
          const rejected = Object.fromEntries((e.rejectedErrors ?? []).map((r) => [r.recipient, r.response]));
          if (e.response === undefined && Object.keys(rejected).length === 0) return reject(err);
          return resolve({ response: e.response ?? '', accepted: [], rejected });
        }
        const rejected = Object.fromEntries(((info as unknown as { rejectedErrors?: Array<{ recipient: string; response: string }> }).rejectedErrors ?? []).map((r) => [r.recipient, r.response]));
        resolve({ response: info.response, accepted: info.accepted as string[], rejected });
      });
    });
  }

  /** RSET between messages so a failed transaction leaves the session usable. */
  reset(): Promise<void> {
    return new Promise((resolve, reject) => this.connection.reset((err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.connection.once('end', () => resolve());
      this.connection.quit();
      setTimeout(resolve, 1000).unref();
    });
  }
}

/** Sends one message on a fresh connection. */
export async function sendOnce(port: number, from: string, to: string | string[], raw: string | Buffer, extra: { size?: number } = {}): Promise<SendResult> {
  const client = await SmtpClient.open(port);
  try {
    return await client.send(from, to, raw, extra);
  } finally {
    await client.close();
  }
}

/**
 * Speaks SMTP line by line over a raw socket, for what a well-behaved client
 * library will not send (a SIZE= over the limit, endless commands, a PROXY
 * header). Returns each command's full reply (multi-line replies joined by \n).
 */
export async function converse(port: number, commands: string[], preamble?: string): Promise<string[]> {
  const net = await import('node:net');
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  const waiters: Array<(reply: string) => void> = [];
  const replies: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(buffer);
      if (!m) break;
      buffer = buffer.slice(m[0].length);
      const reply = m[0].trimEnd().replace(/\r\n/g, '\n');
      const w = waiters.shift();
      if (w) w(reply);
      else replies.push(reply);
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  const next = () => new Promise<string>((resolve) => (replies.length ? resolve(replies.shift()!) : waiters.push(resolve)));
  const timeout = <T>(p: Promise<T>) => Promise.race([p, closed.then(() => '(connection closed)' as unknown as T), new Promise<T>((_, rej) => setTimeout(() => rej(new Error('no reply')), 10_000).unref())]);
  if (preamble) socket.write(preamble);
  const out = [await timeout(next())];
  for (const command of commands) {
    socket.write(`${command}\r\n`);
    out.push(await timeout(next()));
  }
  socket.end();
  return out;
}
