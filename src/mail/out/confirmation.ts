// Confirmations to the sender ("your message added these items"), optional
// per address and off by default. Loops and backscatter are impossible by
// construction (RFC 3834 and DESIGN.md): only to a sender whose From address
// passed authentication, never to a null sender, to auto-submitted mail,
// to bulk or list mail, nor more often than the per-recipient rate allows;
// the reply itself is marked Auto-Submitted: auto-replied and carries our
// loop header.
import { renderTemplate } from './templates.ts';
import type { MailSender } from './outbox.ts';

export const LOOP_HEADER = 'X-Tidings-Loop';

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

export interface Confirmation {
  to: string;
  fromAddress: string;
  hostname: string;
  publicUrl: string;
  collection: string;
  subject: string;
  messageId: string | null;
  items: Array<{ summary: string; action: string }>;
  why: string;
}

export async function sendConfirmation(sender: MailSender, c: Confirmation): Promise<void> {
  const changed = c.items.filter((i) => !['stale', 'unchanged', 'nothing-to-cancel'].includes(i.action));
  const view = {
    collection: c.collection,
    subject: c.subject || '(no subject)',
    count: changed.length,
    first: changed[0]?.summary || '(untitled)',
    more: changed.length > 1 ? changed.length - 1 : 0,
    items: changed.map((i) => ({ summary: i.summary || '(untitled)', action: ACTIONS[i.action] ?? i.action })),
    why: c.why,
    publicUrl: c.publicUrl,
  };
  const rendered = renderTemplate('inbound-confirmation', view);
  await sender.send({
    from: `Tidings <${c.fromAddress}>`,
    to: c.to,
    ...rendered,
    headers: { 'Auto-Submitted': 'auto-replied', [LOOP_HEADER]: c.hostname, Precedence: 'auto_reply' },
    ...(c.messageId ? { inReplyTo: c.messageId, references: c.messageId } : {}),
  });
}

const ACTIONS: Record<string, string> = { create: 'added', update: 'updated', cancel: 'cancelled', reply: 'reply recorded' };
