// The one mailer: nodemailer's createTransport over the relay in
// OUTBOUND_SMTP_URL (pooled connections), or, when that is unset, a stream
// transport whose messages are written as .eml files under OUTBOX_DIR so a
// fresh install shows its mail. DKIM signing is the transport's, so both
// paths sign alike when a key is configured.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { OutboundMailConfig } from '../../../config.ts';
import { writeEml } from './eml-files.ts';
import type { QueuedMail } from '../../../domain/outbox/sending.ts';
import { verpAddress } from '../../../domain/outbox/message-ids.ts';

/** One outbox row, as claimed (domain/outbox/sending.ts). */
export type MailToSend = QueuedMail;

export interface Mailer {
  /** "smtp relay host:port" or ".eml files in DIR", for logs. */
  readonly describe: string;
  /** Resolves once the relay accepted the message (or the file is written); rejects with nodemailer's error. */
  send(mail: MailToSend): Promise<void>;
  close(): void;
}

export interface MailerSettings {
  mailDomain: string;
  outboundSmtpUrl: string | null;
  mail: Pick<OutboundMailConfig, 'from' | 'outboxDir' | 'dkim'>;
  /** Parallel relay connections (pool). */
  maxConnections?: number;
}

// Every header RFC 6376 5.4.1 recommends, plus both List-Unsubscribe fields:
// RFC 8058 3 honours one-click only when the signature covers the two.
const SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'In-Reply-To', 'References', 'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Auto-Submitted',
].join(':');

function dkimOptions(settings: MailerSettings) {
  const d = settings.mail.dkim;
  if (!d) return undefined;
  return { domainName: d.domain, keySelector: d.selector, privateKey: readFileSync(d.privateKeyFile, 'utf8'), headerFieldNames: SIGNED_HEADERS };
}

// nodemailer composes these two itself (from the inReplyTo and references options).
const THREAD_FIELDS = new Set(['references', 'in-reply-to']);

function message(settings: MailerSettings, mail: MailToSend) {
  const p = mail.payload;
  const field = (name: string) => Object.entries(p.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return {
    from: p.from ?? settings.mail.from,
    to: p.toName ? { name: p.toName, address: mail.recipient } : mail.recipient,
    subject: p.subject,
    text: p.text,
    html: p.html,
    // Our header values are built final (encoded and folded where needed): nodemailer must not re-encode them.
    headers: Object.fromEntries(Object.entries(p.headers).filter(([k]) => !THREAD_FIELDS.has(k.toLowerCase())).map(([k, v]) => [k, { prepared: true, value: v }])),
    inReplyTo: field('in-reply-to'),
    references: field('references'),
    attachments: p.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    messageId: `<${mail.messageId}>`,
    envelope: { from: verpAddress(mail.verpToken, settings.mailDomain), to: [mail.recipient] },
    // No file or URL content in our own mail, ever: attachments are strings we made.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export function createMailer(settings: MailerSettings): Mailer {
  const dkim = dkimOptions(settings);
  if (settings.outboundSmtpUrl) {
    const url = new URL(settings.outboundSmtpUrl);
    // Bounded waits: a hung relay must fail the send (and be retried) well within the row's lease.
    const transport = nodemailer.createTransport({
      url: settings.outboundSmtpUrl,
      pool: true,
      maxConnections: settings.maxConnections ?? 5,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      dkim,
    });
    return {
      describe: `smtp relay ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`,
      async send(mail) {
        await transport.sendMail(message(settings, mail));
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim });
  return {
    describe: `.eml files in ${settings.mail.outboxDir}`,
    async send(mail) {
      const info = (await transport.sendMail(message(settings, mail))) as unknown as { message: Buffer };
      await writeEml(settings.mail.outboxDir, mail, verpAddress(mail.verpToken, settings.mailDomain), info.message);
    },
    close: () => transport.close(),
  };
}
