// The daily digest for one member and one collection: yesterday's changes
// (without the member's own) and today's agenda, in the member's time zone.
import type { CollectionInfo, DigestInput, Recipient } from '../../../domain/alerts/composer.ts';
import type { OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import { collectionThreadId } from '../../../domain/outbox/message-ids.ts';
import { collectionUrl, itemUrl, listHeaders, settingsUrl, threadHeaders, unsubscribeUrl, type AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';
import { addressedTo } from './addressed.ts';
import { changeSections } from './change-sections.ts';
import { formatLocalDate, formatTime, plural } from './format.ts';

export function digestMessage(t: MailTemplates, s: AlertMailSettings, c: CollectionInfo, r: Recipient, d: DigestInput): OutgoingMessage {
  const ctx = { settings: s, collectionId: c.id, collectionTimeZone: c.timeZone, readerTimeZone: r.timeZone, ...d.details };
  const agenda = d.agenda.map(({ occurrence: o, resourceName }) => ({
    time: o.allDay ? 'all day' : `${formatTime(o.start, r.timeZone)}–${formatTime(o.end, r.timeZone)}`,
    title: o.summary || '(untitled)',
    location: o.location,
    url: itemUrl(s, c.id, resourceName),
  }));
  const view = {
    day: formatLocalDate(d.localDate),
    yesterday: formatLocalDate(d.yesterday),
    changeCount: plural(d.changes.length, 'change'),
    collection: { id: String(c.id), name: c.name, url: collectionUrl(s, c.id) },
    sections: changeSections(d.changes, ctx, t.style),
    agenda,
    hasAgenda: agenda.length > 0,
    links: { settings: settingsUrl(s), unsubscribe: unsubscribeUrl(s, r.userId, c.id) },
    footer: { reason: `You get a daily digest of “${c.name}” because you chose it; days without changes send nothing.` },
  };
  return {
    kind: 'digest',
    ...addressedTo(c, r),
    ...t.render('digest', view),
    headers: { ...listHeaders(s, { collectionId: c.id, collectionName: c.name, userId: r.userId }), ...threadHeaders(collectionThreadId(c.id, s.mailDomain)) },
  };
}
