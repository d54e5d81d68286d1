// The confirmation stage, after commit: never changes the SMTP reply, and a
// failure to queue is logged, not retried (the sender's message is safe).
//
// Loops and backscatter are impossible by construction (RFC 3834 and
// DESIGN.md): a confirmation goes only to a sender whose From address passed
// authentication, never to a null sender, to auto-submitted mail, to bulk or
// list mail, nor to an address suspended after bounces, nor more often than
// the per-recipient rate allows; it is marked Auto-Submitted: auto-replied
// and carries our loop header.
//
// It goes through the outbox (OutboxSender): the outbox-delivery job sends it
// from MAIL_FROM, like every other message, with the VERP return path, so a
// bounce of it is counted like any other.
// It is queued right after the delivery's commit, not inside it: the
// delivery's transaction is mysql2 (domain/inbound-write.ts, the hot path)
// while OutboxSender.enqueueWith joins a Prisma transaction. A crash between
// the two loses only the confirmation, never an item.
import { confirmationMessage, type ConfirmedAction } from '../../mail/outgoing/compose/confirmation.ts';
import { isSuspended } from '../../domain/bounces/bounces.ts';
import { describeDelivered, type DeliverySummary } from '../../domain/inbound.ts';
import type { MailSummary } from '../../mail/parse/message.ts';
import type { AuthVerdict } from '../authenticity.ts';
import type { RobotDeps } from '../deps.ts';
import type { MessageFacts } from '../inbound-message.ts';
import { LOOP_HEADER } from './loop.ts';

export interface ConfirmationFacts {
  mailFrom: string;
  from: string | null;
  authenticated: boolean;
  headers: Map<string, unknown>;
  headerNames: Set<string>;
}

const header = (headers: Map<string, unknown>, name: string): string => {
  const v = headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
};

/** Why no automatic reply may go to this message's sender, or null if one may. */
export function whyNoAutoReply(facts: ConfirmationFacts): string | null {
  if (facts.mailFrom === '') return 'null sender (a bounce or notification)';
  const autoSubmitted = header(facts.headers, 'auto-submitted').trim().toLowerCase();
  if (autoSubmitted !== '' && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  if (/^(bulk|list|junk)$/i.test(header(facts.headers, 'precedence').trim())) return `Precedence: ${header(facts.headers, 'precedence').trim()}`;
  if (['list-id', 'list-unsubscribe', 'list-post'].some((h) => facts.headerNames.has(h))) return 'mailing-list mail';
  if (facts.headerNames.has(LOOP_HEADER.toLowerCase())) return 'sent by Tidings itself';
  if (!facts.from || !facts.authenticated) return 'the sender is not authenticated';
  return null;
}

export interface ConfirmInput {
  facts: MessageFacts;
  content: MailSummary;
  auth: AuthVerdict;
  target: MessageFacts['targets'][number];
  summary: DeliverySummary;
}

const CHANGED = new Set<string>(['create', 'update', 'cancel', 'reply']);
const KIND_WORDS = { VEVENT: 'event', VTODO: 'task', VJOURNAL: 'note' } as const;

export async function confirmDelivery(deps: RobotDeps, c: ConfirmInput): Promise<void> {
  const log = deps.log.child({ rcptTo: c.target.rcptTo, messageId: c.content.messageId });
  const why = whyNoAutoReply({ mailFrom: c.facts.mailFrom, from: c.auth.from, authenticated: c.auth.authenticated, headers: c.content.headers, headerNames: c.content.headerNames });
  if (why) {
    log.info({ why }, 'no confirmation sent');
    return;
  }
  const to = c.auth.from!;
  try {
    if (await isSuspended(deps.store, to)) {
      log.info({ to }, 'no confirmation sent: mail to this address is suspended after bounces');
      return;
    }
    if (!(await deps.limits.confirmation(to))) {
      log.info({ to }, 'no confirmation sent: rate limit for this recipient reached');
      return;
    }
    const address = c.target.address;
    const changed = c.summary.items.filter((i) => CHANGED.has(i.action));
    const details = await describeDelivered(deps.store, address.collectionId, changed.flatMap((i) => (i.resourceName ? [i.resourceName] : [])));
    const message = confirmationMessage(deps.templates, deps.config, {
      to,
      collection: { id: address.collectionId, name: address.collectionName, timeZone: address.timeZone },
      originalSubject: c.content.subject,
      inReplyTo: c.content.messageId,
      items: changed.map((i) => {
        const d = i.resourceName ? details.get(i.resourceName) : undefined;
        return { summary: i.summary, kind: KIND_WORDS[d?.kind ?? 'VEVENT'], start: d?.startUtc ?? null, allDay: d?.allDay ?? false, resourceName: i.resourceName, action: i.action as ConfirmedAction };
      }),
      why: c.summary.notes[0],
    });
    await deps.outbox.send({
      kind: message.kind,
      to: message.to,
      collectionId: message.collectionId,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { ...message.headers, [LOOP_HEADER]: deps.config.smtp.hostname },
    });
  } catch (err) {
    log.warn({ err }, 'confirmation could not be queued');
  }
}
