// Writes outgoing messages into the outbox inside the caller's transaction
// (a write is one transaction: the cause and its mail commit together, or
// neither does). Each row gets its Message-ID and VERP token here, so a
// retried delivery sends the very same message.
import type { Store } from '../../store/index.ts';
import type { Prisma } from '../../store/prisma.ts';
import { mysqlRunner, prismaRunner, type SqlRunner } from '../../store/sql.ts';
import { newMessageId, randomToken } from './message-ids.ts';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface OutgoingMessage {
  /** alert, digest, reminder, confirmation, notice … (also the Message-ID's prefix). */
  kind: string;
  to: string;
  toName?: string;
  /** Defaults to MAIL_FROM. */
  from?: string;
  /** The recipient's user, when a member: budgets and bounces are counted per address. */
  userId?: bigint | null;
  collectionId?: bigint | null;
  subject: string;
  text: string;
  html?: string;
  /** Extra header fields: List-Id, List-Unsubscribe, References, Auto-Submitted … */
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

/** What the outbox row's payload column holds. */
export interface OutboxPayload {
  from?: string;
  toName?: string;
  subject: string;
  text: string;
  html?: string;
  headers: Record<string, string>;
  attachments: MailAttachment[];
}

export interface Enqueued {
  messageId: string;
  verpToken: string;
}

// One INSERT per slice: large fan-outs stay far below max_allowed_packet.
const MAX_ROWS = 500;
const MAX_BYTES = 4 * 1024 * 1024;

export async function enqueueMessages(sql: SqlRunner, mailDomain: string, messages: OutgoingMessage[], now: Date): Promise<Enqueued[]> {
  const made: Enqueued[] = [];
  let values: unknown[] = [];
  let rows = 0;
  let bytes = 0;
  const flush = async () => {
    if (rows === 0) return;
    const tuple = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
    await sql.run(
      `INSERT INTO outbox (kind, recipient, userId, collectionId, messageId, verpToken, payload, nextAttemptAt, createdAt) VALUES ${Array(rows).fill(tuple).join(', ')}`,
      values as never[],
    );
    values = [];
    rows = 0;
    bytes = 0;
  };
  for (const m of messages) {
    const messageId = newMessageId(m.kind, mailDomain);
    const verpToken = randomToken(16);
    const payload: OutboxPayload = {
      from: m.from,
      toName: m.toName,
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: m.headers ?? {},
      attachments: m.attachments ?? [],
    };
    const json = JSON.stringify(payload);
    if (rows > 0 && (rows >= MAX_ROWS || bytes + json.length > MAX_BYTES)) await flush();
    values.push(m.kind, m.to.trim().toLowerCase(), m.userId ?? null, m.collectionId ?? null, messageId, verpToken, json, now, now);
    rows++;
    bytes += json.length;
    made.push({ messageId, verpToken });
  }
  await flush();
  return made;
}

/** Queues one message on its own (it commits alone). */
export async function queueMessage(store: Store, mailDomain: string, m: OutgoingMessage, now: Date): Promise<Enqueued> {
  const [queued] = await enqueueMessages(mysqlRunner(store.pool), mailDomain, [m], now);
  return queued!;
}

/** Queues one message inside the caller's Prisma transaction: it commits with its cause, or not at all. */
export async function queueMessageWith(tx: Prisma.TransactionClient, mailDomain: string, m: OutgoingMessage, now: Date): Promise<Enqueued> {
  const [queued] = await enqueueMessages(prismaRunner(tx), mailDomain, [m], now);
  return queued!;
}
