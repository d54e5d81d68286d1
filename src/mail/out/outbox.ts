// Sending mail, behind a small interface. Until the outbound-mail part of
// Tidings lands (a database outbox delivered by a job), messages are written
// as .eml files under var/outbox/ (OUTBOX_DIR), one file per message, whole
// or not at all (written aside, then renamed).
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface OutboundMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  inReplyTo?: string;
  references?: string;
}

export interface MailSender {
  send(message: OutboundMessage): Promise<{ messageId: string }>;
}

/** Builds the RFC 5322 message with nodemailer and writes it as <time>-<random>.eml. */
export class FileOutbox implements MailSender {
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });

  constructor(private readonly dir: string) {}

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const info = await this.composer.sendMail(message);
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
    const file = path.join(this.dir, name);
    await writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return { messageId: info.messageId };
  }
}
