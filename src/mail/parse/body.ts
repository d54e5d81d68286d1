// The part of a mail body worth keeping as an item's description: the
// sender's own words, without the quoted conversation below them and
// without the signature (email-reply-parser). A forward is kept whole: the
// forwarded text is the point of it.
import EmailReplyParser from 'email-reply-parser';

const MAX_DESCRIPTION = 16_000;
const FORWARD_PREFIX = /^\s*((fwd?|fw|wg|tr|rv|vs|enc)\s*:\s*)+/i;

export function description(text: string, forwarded: boolean): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  const kept = forwarded ? normalized : new EmailReplyParser().parseReply(normalized);
  const trimmed = kept.replace(/\n{3,}/g, '\n\n').trim();
  return trimmed.length > MAX_DESCRIPTION ? `${trimmed.slice(0, MAX_DESCRIPTION)}…` : trimmed;
}

/** "Fwd: FW: Dinner" -> "Dinner". */
export function summaryFromSubject(subject: string): string {
  return subject.replace(FORWARD_PREFIX, '').replace(/\s+/g, ' ').trim();
}
