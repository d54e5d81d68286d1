// The immediate alert to one recipient: a batch's changes, without their own.
import type { ItemChange } from '../../../domain/alerts/change-summary.ts';
import type { BatchDetails, CollectionInfo, Recipient } from '../../../domain/alerts/composer.ts';
import type { OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import { collectionThreadId, itemThreadId } from '../../../domain/outbox/message-ids.ts';
import { collectionUrl, listHeaders, settingsUrl, threadHeaders, unsubscribeUrl, type AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';
import { addressedTo } from './addressed.ts';
import { changeSections, headline } from './change-sections.ts';

/** A file name for an .ics attachment, from the item's title. */
export function icsFileName(title: string): string {
  const base = title.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-').slice(0, 40);
  return `${base || 'event'}.ics`;
}

export function alertMessage(t: MailTemplates, s: AlertMailSettings, c: CollectionInfo, r: Recipient, changes: ItemChange[], d: BatchDetails): OutgoingMessage {
  const ctx = { settings: s, collectionId: c.id, collectionTimeZone: c.timeZone, readerTimeZone: r.timeZone, ...d };
  const view = {
    headline: headline(changes, d),
    collection: { id: String(c.id), name: c.name, url: collectionUrl(s, c.id) },
    sections: changeSections(changes, ctx, t.style),
    links: { settings: settingsUrl(s), unsubscribe: unsubscribeUrl(s, r.userId, c.id) },
    // Owners get alerts by default too (domain/alerts/subscriptions.ts).
    footer: { reason: `You get these alerts as ${r.role === 'owner' ? 'the owner' : 'a member'} of “${c.name}”; your own changes are never included.` },
  };
  const rendered = t.render('alert', view);
  const single = changes.length === 1 ? changes[0]! : null;
  const thread = single ? itemThreadId(c.id, single.uid, s.mailDomain) : collectionThreadId(c.id, s.mailDomain);
  const attached = single && single.change !== 'removed' ? d.items.get(single.uid) : undefined;
  return {
    kind: 'alert',
    ...addressedTo(c, r),
    ...rendered,
    headers: { ...listHeaders(s, { collectionId: c.id, collectionName: c.name, userId: r.userId }), ...threadHeaders(thread) },
    attachments: attached ? [{ filename: icsFileName(attached.summary), contentType: 'text/calendar; charset=utf-8', content: attached.icalendar }] : [],
  };
}
