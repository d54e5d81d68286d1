// MIME in: one pass of mailparser over the message, then a walk through what
// it holds that may become items: calendar parts (text/calendar and .ics
// attachments), Outlook's TNEF (winmail.dat), forwarded messages attached as
// message/rfc822 (searched the same way, a few levels deep), and the HTML
// parts' schema.org JSON-LD. Plain text is kept for plain-mail items.
// Every message (and every attached one) is first held to the MIME limits
// (structure.ts); the text handed on is bounded (consts.ts). This runs in a
// worker thread of the SMTP robot under a wall-clock budget (worker-pool.ts).
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { MAX_BODY_TEXT_CHARS, MAX_CALENDAR_PARTS, MAX_HTML_TO_TEXT_CHARS } from '../../consts.ts';
import { decodeCalendarBytes } from '../../domain/calendar-limits.ts';
import { htmlToText } from './html.ts';
import { extractJsonLd } from './json-ld.ts';
import { checkMimeStructure, mimeLimit, SPLITTER_OPTIONS } from './structure.ts';
import { decodeTnef } from './tnef.ts';

export interface CalendarPart {
  /** Where it was found, for the trace: "text/calendar", "invite.ics", "forwarded: invite.ics". */
  source: string;
  text: string;
  /** Why the part's bytes are not text (invalid in their charset); `text` is then empty. */
  unreadable?: string;
}

export interface MailContent {
  subject: string;
  from: { address: string; name: string } | null;
  messageId: string | null;
  date: Date | null;
  /** The body as text (HTML converted when there is no text part). */
  text: string;
  calendarParts: CalendarPart[];
  /** schema.org objects from <script type="application/ld+json"> at any level. */
  jsonLd: unknown[];
  /** The message carries another one (message/rfc822) or says it is a forward. */
  forwarded: boolean;
  headers: Map<string, unknown>;
  /** Every header field name present, lower-cased (mailparser moves some, e.g. List-Id, out of `headers`). */
  headerNames: Set<string>;
  notes: string[];
}

/** What the robot keeps of a message once its items are planned (read-inbound.ts): no bodies, no calendar text. */
export type MailSummary = Omit<MailContent, 'text' | 'calendarParts' | 'jsonLd'>;

const MAX_DEPTH = 3;
const CALENDAR_TYPES = new Set(['text/calendar', 'application/ics', 'text/x-vcalendar', 'application/x-ics']);
const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);
const FORWARD_SUBJECT = /^\s*(fwd?|fw|wg|tr|rv|doorst|vs|enc)\s*:/i;

// Nothing here reads mailparser's text-as-HTML, and HTML becomes text by
// html.ts (bodyText) rather than by mailparser: both off halve the parse's
// CPU cost for a typical invitation (bench/smtp.bench.ts).
// The splitter's limits are passed on too (mailparser hands its options to
// mailsplit), though structure.ts has already checked them.
const PARSER_OPTIONS = {
  skipImageLinks: true,
  skipTextLinks: true,
  skipTextToHtml: true,
  skipHtmlToText: true,
  maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
  ...SPLITTER_OPTIONS,
};

/** mailparser over a message already held to the MIME limits. */
async function parse(raw: Buffer): Promise<ParsedMail> {
  await checkMimeStructure(raw);
  return simpleParser(raw, PARSER_OPTIONS);
}

export async function readMail(raw: Buffer): Promise<MailContent> {
  const mail = await parse(raw);
  const content: MailContent = {
    subject: (mail.subject ?? '').trim(),
    from: firstAddress(mail.from),
    messageId: mail.messageId ?? null,
    date: mail.date ?? null,
    text: bodyText(mail),
    calendarParts: [],
    jsonLd: [],
    forwarded: FORWARD_SUBJECT.test(mail.subject ?? ''),
    headers: mail.headers,
    headerNames: new Set(mail.headerLines.map((h) => h.key.toLowerCase())),
    notes: [],
  };
  await walk(mail, content, 0, '');
  if (content.calendarParts.length > MAX_CALENDAR_PARTS) throw mimeLimit(`the message has more than ${MAX_CALENDAR_PARTS} calendar parts`);
  return content;
}

function firstAddress(from: AddressObject | undefined): MailContent['from'] {
  const first = from?.value[0];
  return first?.address ? { address: first.address.toLowerCase(), name: first.name ?? '' } : null;
}

/** The body as text, at most MAX_BODY_TEXT_CHARS of it (an item's description keeps far less). */
function bodyText(mail: ParsedMail): string {
  if (mail.text && mail.text.trim() !== '') return mail.text.slice(0, MAX_BODY_TEXT_CHARS);
  if (typeof mail.html === 'string' && mail.html !== '') return htmlToText(mail.html).slice(0, MAX_BODY_TEXT_CHARS);
  return '';
}

async function walk(mail: ParsedMail, content: MailContent, depth: number, prefix: string): Promise<void> {
  if (typeof mail.html === 'string') content.jsonLd.push(...extractJsonLd(mail.html.slice(0, MAX_HTML_TO_TEXT_CHARS), content.notes));
  for (const attachment of mail.attachments) {
    const type = attachment.contentType.toLowerCase();
    const name = (attachment.filename ?? '').toLowerCase();
    const label = prefix + (attachment.filename ?? type);
    if (CALENDAR_TYPES.has(type) || /\.(ics|vcs|ical|icalendar)$/.test(name)) {
      content.calendarParts.push(calendarPart(label, attachment.content, charsetOf(attachment)));
    } else if (TNEF_TYPES.has(type) || name === 'winmail.dat') {
      await readTnef(attachment, content, label);
    } else if (type === 'message/rfc822' && depth < MAX_DEPTH) {
      content.forwarded = true;
      const inner = await parse(attachment.content);
      if (content.text.trim() === '') content.text = bodyText(inner);
      await walk(inner, content, depth + 1, `${prefix}forwarded: `);
    }
  }
}

async function readTnef(attachment: Attachment, content: MailContent, label: string): Promise<void> {
  const tnef = decodeTnef(attachment.content);
  if (!tnef) {
    content.notes.push(`${label}: not readable as TNEF, ignored`);
    return;
  }
  for (const file of tnef.attachments) {
    if (/\.(ics|vcs)$/i.test(file.name)) content.calendarParts.push(calendarPart(`${label}: ${file.name}`, file.content));
  }
  if (content.text.trim() === '' && tnef.body) content.text = tnef.body.slice(0, MAX_BODY_TEXT_CHARS);
  content.notes.push(`${label}: TNEF with ${tnef.attachments.length} attachment(s)`);
}

/** The part's text in its declared charset (UTF-8 by default); bytes invalid in it are kept out, with the reason. */
function calendarPart(source: string, bytes: Buffer, charset?: string): CalendarPart {
  try {
    return { source, text: decodeCalendarBytes(bytes, charset) };
  } catch (err) {
    return { source, text: '', unreadable: err instanceof Error ? err.message : String(err) };
  }
}

function charsetOf(attachment: Attachment): string | undefined {
  const header = attachment.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  return header?.params?.charset;
}
