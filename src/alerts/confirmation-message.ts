// The confirmation to a sender whose mail became items, from the
// mailtemplates/confirmation template (text and HTML with inlined styles).
// The SMTP robot decides whether one may be sent at all (RFC 3834: never to
// null senders, auto-submitted or list mail); this only words it.
import type { OutgoingMessage } from '../mail/outbox/enqueue.ts';
import { formatWhen, plural } from './format.ts';
import { automatic, collectionUrl, itemUrl, type AlertMailSettings } from './mail-headers.ts';
import type { MailTemplates } from './templates.ts';

export interface ConfirmationInput {
  to: string;
  collection: { id: bigint; name: string; timeZone: string };
  originalSubject: string;
  /** The sender's Message-ID, to thread the confirmation under it. */
  inReplyTo: string | null;
  items: Array<{ summary: string; kind: 'event' | 'task' | 'note'; start: Date | null; allDay?: boolean; resourceName: string }>;
}

export function confirmationMessage(t: MailTemplates, s: Pick<AlertMailSettings, 'publicUrl'>, c: ConfirmationInput): OutgoingMessage {
  const first = c.items[0]?.summary || '(untitled)';
  const view = {
    headline: c.items.length === 1 ? first : `${first} and ${plural(c.items.length - 1, 'more item')}`,
    originalSubject: c.originalSubject,
    collection: { id: String(c.collection.id), name: c.collection.name, url: collectionUrl(s, c.collection.id) },
    items: c.items.map((i) => ({
      title: i.summary || '(untitled)',
      when: formatWhen(i.start, c.collection.timeZone, i.allDay ?? false),
      kind: i.kind,
      url: itemUrl(s, c.collection.id, i.resourceName),
    })),
    links: {},
    footer: { reason: 'This is an automatic reply from Tidings to the mail you sent; replies to it are not read.' },
  };
  const thread: Record<string, string> = c.inReplyTo ? { 'In-Reply-To': c.inReplyTo, References: c.inReplyTo } : {};
  return { kind: 'confirmation', to: c.to, collectionId: c.collection.id, ...t.render('confirmation', view), headers: { ...automatic('auto-replied'), ...thread } };
}
