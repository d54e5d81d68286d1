// The confirmation stage, after commit: never changes the SMTP reply, and a
// failure to send is logged, not retried (the sender's message is safe).
import type { DeliverySummary } from '../../domain/inbound.ts';
import { sendConfirmation, whyNoAutoReply } from '../../mail/out/confirmation.ts';
import type { MailContent } from '../../mail/parse/message.ts';
import type { AuthVerdict } from '../authenticity.ts';
import type { RobotDeps } from '../deps.ts';
import type { MessageFacts } from '../inbound-message.ts';

export interface ConfirmInput {
  facts: MessageFacts;
  content: MailContent;
  auth: AuthVerdict;
  target: MessageFacts['targets'][number];
  summary: DeliverySummary;
}

export async function confirmDelivery(deps: RobotDeps, c: ConfirmInput): Promise<void> {
  const log = deps.log.child({ rcptTo: c.target.rcptTo, messageId: c.content.messageId });
  const why = whyNoAutoReply({ mailFrom: c.facts.mailFrom, from: c.auth.from, authenticated: c.auth.authenticated, headers: c.content.headers, headerNames: c.content.headerNames });
  if (why) {
    log.info({ why }, 'no confirmation sent');
    return;
  }
  try {
    if (!(await deps.limits.confirmation(c.auth.from!))) {
      log.info({ to: c.auth.from }, 'no confirmation sent: rate limit for this recipient reached');
      return;
    }
    await sendConfirmation(deps.outbox, {
      to: c.auth.from!,
      fromAddress: `noreply@${deps.config.mailDomain}`,
      hostname: deps.config.smtp.hostname,
      publicUrl: deps.config.publicUrl,
      collection: c.target.address.collectionName,
      subject: c.content.subject,
      messageId: c.content.messageId,
      items: c.summary.items,
      why: c.summary.notes[0] ?? 'the message holds nothing new',
    });
  } catch (err) {
    log.warn({ err }, 'confirmation could not be sent');
  }
}
