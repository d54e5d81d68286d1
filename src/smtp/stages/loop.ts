// Mail loops (RFC 5321 6.3): refuse a message that carries our own loop
// header, a Message-ID minted by us (our confirmations and alerts), mail
// from our own addresses, or more Received headers than any honest path has.
import { reply, type SmtpReply } from '../replies.ts';

/** The header every automatic reply of the robot carries (its confirmations). */
export const LOOP_HEADER = 'X-Tidings-Loop';

export const MAX_RECEIVED_HEADERS = 25;

function headerLines(raw: Buffer): string[] {
  const text = raw.subarray(0, Math.min(raw.length, 512 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

const ours = (domain: string, mailDomain: string) => domain === mailDomain || domain.endsWith(`.${mailDomain}`);

/** A loop reply, or null when the message may go on. */
export function detectLoop(raw: Buffer, ctx: { mailDomain: string; hostname: string; mailFrom: string; from: string | null }): SmtpReply | null {
  const lines = headerLines(raw);
  const named = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (named(LOOP_HEADER).length > 0) return reply('loop', 'the message carries our own loop header');
  const received = named('received').length;
  if (received > MAX_RECEIVED_HEADERS) return reply('loop', `the message passed ${received} mail servers`);
  const messageId = named('message-id')[0]?.slice('message-id:'.length).trim().toLowerCase() ?? '';
  const idDomain = /@([^>\s]+)>?$/.exec(messageId)?.[1] ?? '';
  if (idDomain && (ours(idDomain, ctx.mailDomain) || idDomain === ctx.hostname)) return reply('loop', 'the message was sent by Tidings itself');
  for (const sender of [ctx.mailFrom, ctx.from ?? '']) {
    const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
    if (sender.includes('@') && ours(domain, ctx.mailDomain)) {
      return reply('loop', "mail from Tidings' own addresses is never turned into items");
    }
  }
  return null;
}
