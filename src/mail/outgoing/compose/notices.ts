// The notice to a collection's owner and the admins when the circuit
// breaker freezes its alerts (domain/alerts/circuit-breaker.ts).
import type { AlertFreezeNotice, CollectionInfo, Recipient } from '../../../domain/alerts/composer.ts';
import type { OutgoingMessage } from '../../../domain/outbox/enqueue.ts';
import { collectionThreadId } from '../../../domain/outbox/message-ids.ts';
import { automatic, collectionUrl, threadHeaders, type AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';
import { addressedTo } from './addressed.ts';
import { formatWhen } from './format.ts';

export function frozenNotice(
  t: MailTemplates,
  s: AlertMailSettings,
  c: CollectionInfo,
  r: Recipient,
  freeze: AlertFreezeNotice,
): OutgoingMessage {
  const view = {
    collection: { id: String(c.id), name: c.name, url: collectionUrl(s, c.id) },
    reason: freeze.reason.charAt(0).toUpperCase() + freeze.reason.slice(1),
    frozenAt: formatWhen(freeze.frozenAt, r.timeZone),
    unfreezeUrl: `${s.publicUrl}/api/v1/collections/${c.id}/alerts/unfreeze`,
    links: {},
    footer: { reason: 'You get this notice as the owner of the collection or an administrator of Tidings.' },
  };
  return {
    kind: 'notice',
    ...addressedTo(c, r),
    ...t.render('alerts-frozen', view),
    headers: { ...automatic('auto-generated'), ...threadHeaders(collectionThreadId(c.id, s.mailDomain)) },
  };
}
