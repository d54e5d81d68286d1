// Builds real RFC 5322 messages with nodemailer's composer (optionally
// DKIM-signed), for tests that need a message rather than a fixture file.
import nodemailer from 'nodemailer';

export interface MessageOptions {
  from: string;
  to: string;
  subject?: string;
  text?: string;
  html?: string;
  messageId?: string;
  date?: Date;
  headers?: Record<string, string>;
  icalEvent?: { method?: string; content: string; filename?: string };
  attachments?: Array<{ filename?: string; content: string | Buffer; contentType?: string; contentDisposition?: 'attachment' | 'inline' }>;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

export async function compose(o: MessageOptions): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf', ...(o.dkim ? { dkim: o.dkim } : {}) } as never);
  const info = (await transport.sendMail({
    from: o.from,
    to: o.to,
    subject: o.subject,
    text: o.text,
    html: o.html,
    messageId: o.messageId,
    date: o.date,
    headers: o.headers,
    icalEvent: o.icalEvent,
    attachments: o.attachments,
  })) as unknown as { message: Buffer };
  return info.message;
}

let counter = 0;
/** A unique Message-ID for the sender's domain. */
export function messageId(domain = 'example.com'): string {
  return `<t${Date.now().toString(36)}.${++counter}.${process.pid}@${domain}>`;
}
