// The confirmation to a sender whose mail reached a collection, from the
// mailtemplates/confirmation template (text and HTML with inlined styles):
// what was added, updated or cancelled, or why nothing changed. The SMTP
// robot decides whether one may be sent at all (RFC 3834: only to
// authenticated senders, never to null senders, auto-submitted or list mail,
// rate-limited; src/smtp/stages/confirm.ts); this only words it.
import type { OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import { formatWhen, plural } from './format.ts';
import { automatic, collectionUrl, itemUrl, type AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';

export type ConfirmedAction = 'create' | 'update' | 'cancel' | 'reply';

export interface ConfirmationInput {
  to: string;
  collection: { id: bigint; name: string; timeZone: string };
  originalSubject: string;
  /** The sender's Message-ID, to thread the confirmation under it. */
  inReplyTo: string | null;
  /** The items the message changed (none: `why` says why nothing changed). */
  items: Array<{ summary: string; kind: 'event' | 'task' | 'note'; start: Date | null; allDay?: boolean; resourceName: string | null; action?: ConfirmedAction }>;
  why?: string;
}

const ACTION_WORDS: Record<ConfirmedAction, { note: string; marker: string; style: string }> = {
  create: { note: '', marker: '+', style: 'added' },
  update: { note: 'updated', marker: '~', style: 'changed' },
  reply: { note: 'reply recorded', marker: '~', style: 'changed' },
  cancel: { note: 'cancelled', marker: '-', style: 'removed' },
};

function verbs(actions: ConfirmedAction[]): { subject: string; intro: string } {
  if (actions.every((a) => a === 'create')) return { subject: 'Added to', intro: 'was added to' };
  if (actions.every((a) => a === 'cancel')) return { subject: 'Cancelled in', intro: 'cancelled in' };
  return { subject: 'Updated in', intro: 'updated' };
}

export function confirmationMessage(t: MailTemplates, s: Pick<AlertMailSettings, 'publicUrl'>, c: ConfirmationInput): OutgoingMessage {
  const first = c.items[0]?.summary || '(untitled)';
  const actions = c.items.map((i) => i.action ?? 'create');
  const verb = verbs(actions);
  const view = {
    changed: c.items.length > 0,
    verb: verb.subject,
    intro: verb.intro,
    headline: c.items.length === 1 ? first : `${first} and ${plural(c.items.length - 1, 'more item')}`,
    why: c.why || 'the message holds nothing new',
    originalSubject: c.originalSubject,
    collection: { id: String(c.collection.id), name: c.collection.name, url: collectionUrl(s, c.collection.id) },
    items: c.items.map((i, n) => {
      const words = ACTION_WORDS[actions[n]!];
      return {
        title: i.summary || '(untitled)',
        when: formatWhen(i.start, c.collection.timeZone, i.allDay ?? false),
        kind: i.kind,
        note: words.note,
        marker: words.marker,
        itemStyle: t.style[words.style],
        url: i.resourceName ? itemUrl(s, c.collection.id, i.resourceName) : '',
      };
    }),
    links: {},
    footer: { reason: 'This is an automatic reply from Tidings to the mail you sent; replies to it are not read.' },
  };
  const thread: Record<string, string> = c.inReplyTo ? { 'In-Reply-To': c.inReplyTo, References: c.inReplyTo } : {};
  return { kind: 'confirmation', to: c.to, collectionId: c.collection.id, ...t.render('confirmation', view), headers: { ...automatic('auto-replied'), ...thread } };
}
