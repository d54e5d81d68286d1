// A reminder of one occurrence to one member, with the event attached.
import type { CollectionInfo, Recipient, ReminderInput } from '../../../domain/alerts/composer.ts';
import type { OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import { itemThreadId } from '../../../domain/outbox/message-ids.ts';
import { collectionUrl, itemUrl, listHeaders, settingsUrl, threadHeaders, unsubscribeUrl, type AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';
import { addressedTo } from './addressed.ts';
import { icsFileName } from './alert.ts';
import { formatTime, formatWhen } from './format.ts';

export function reminderMessage(t: MailTemplates, s: AlertMailSettings, c: CollectionInfo, r: Recipient, x: ReminderInput): OutgoingMessage {
  const o = x.occurrence;
  const start = formatWhen(o.start, r.timeZone, o.allDay, c.timeZone);
  const sameDay = o.end.getTime() - o.start.getTime() < 86_400_000;
  const when = o.allDay || o.end.getTime() === o.start.getTime() ? start : `${start} – ${sameDay ? formatTime(o.end, r.timeZone) : formatWhen(o.end, r.timeZone)}`;
  const title = o.summary || '(untitled)';
  const view = {
    title,
    when,
    whenShort: start,
    location: o.location,
    description: o.description.length > 1000 ? `${o.description.slice(0, 1000)}…` : o.description,
    url: itemUrl(s, c.id, x.resourceName),
    collection: { id: String(c.id), name: c.name, url: collectionUrl(s, c.id) },
    links: { settings: settingsUrl(s), unsubscribe: unsubscribeUrl(s, r.userId, c.id) },
    footer: { reason: `You get reminders of events in “${c.name}” as ${r.role === 'owner' ? 'its owner' : 'one of its members'}.` },
  };
  return {
    kind: 'reminder',
    ...addressedTo(c, r),
    ...t.render('reminder', view),
    headers: { ...listHeaders(s, { collectionId: c.id, collectionName: c.name, userId: r.userId }), ...threadHeaders(itemThreadId(c.id, x.uid, s.mailDomain)) },
    attachments: [{ filename: icsFileName(title), contentType: 'text/calendar; charset=utf-8', content: x.icalendar }],
  };
}
