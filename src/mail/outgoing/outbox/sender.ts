// The outbox behind a send(message) interface, for senders that are not a
// fan-out: the SMTP robot's confirmations, and later support replies. send()
// commits one outbox row on its own; enqueueWith() joins the caller's Prisma
// transaction, so a message commits with its cause, or not at all.
import { queueMessage, queueMessageWith, type OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import type { Store } from '../../../store/index.ts';
import type { Prisma } from '../../../store/prisma.ts';

export interface SendableMessage {
  /** Defaults to MAIL_FROM; a different From should stay on MAIL_DOMAIN (DKIM alignment). */
  from?: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  inReplyTo?: string;
  references?: string;
  /** Outbox kind; default "confirmation". */
  kind?: string;
  userId?: bigint | null;
  collectionId?: bigint | null;
}

function outgoing(m: SendableMessage): OutgoingMessage {
  const headers: Record<string, string> = { ...(m.headers ?? {}) };
  if (m.inReplyTo) headers['In-Reply-To'] = m.inReplyTo;
  if (m.references) headers.References = m.references;
  return { kind: m.kind ?? 'confirmation', to: m.to, from: m.from, userId: m.userId, collectionId: m.collectionId, subject: m.subject, text: m.text, html: m.html, headers };
}

/** What a single-message sender needs (the SMTP robot's confirmations; tests may record instead). */
export interface MailSender {
  send(m: SendableMessage): Promise<{ messageId: string }>;
}

export class OutboxSender implements MailSender {
  constructor(
    private readonly store: Store,
    private readonly mailDomain: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues the message; the outbox-delivery job sends it. Resolves with its Message-ID (without <>). */
  async send(m: SendableMessage): Promise<{ messageId: string }> {
    return { messageId: (await queueMessage(this.store, this.mailDomain, outgoing(m), this.now())).messageId };
  }

  /** Queues the message inside the caller's transaction. */
  async enqueueWith(tx: Prisma.TransactionClient, m: SendableMessage): Promise<{ messageId: string }> {
    return { messageId: (await queueMessageWith(tx, this.mailDomain, outgoing(m), this.now())).messageId };
  }
}
