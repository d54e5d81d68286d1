// The one table of SMTP replies (DESIGN.md "SMTP replies", RFC 5321 / RFC
// 3463) and the mapping of every error to one of them. Hooks never build a
// reply code themselves: they throw domain errors or SmtpReply, and
// toSmtpError() decides. Anything unexpected (a database failure, a bug) is a
// temporary 451 4.3.0 so the sender retries: smtp-server's default for a
// failed hook is a permanent 550, the mistake that loses mail.
import { Forbidden, InvalidInput, NotFound, PreconditionFailed, QuotaExceeded } from '../domain/errors.ts';
import { ParseBusy, ParseTimeout } from '../mail/parse-pool.ts';

export interface Reply {
  code: number;
  enhanced: string;
  text: string;
}

export const REPLIES = {
  unknownRecipient: { code: 550, enhanced: '5.1.1', text: 'no such address here' },
  disabled: { code: 550, enhanced: '5.2.1', text: 'this address is disabled' },
  overQuota: { code: 552, enhanced: '5.2.2', text: "the owner of this address is over quota" },
  tooManyRecipients: { code: 452, enhanced: '4.5.3', text: 'too many recipients' },
  tooBig: { code: 552, enhanced: '5.3.4', text: 'message too big' },
  notAllowed: { code: 550, enhanced: '5.7.1', text: 'sender not allowed' },
  spam: { code: 550, enhanced: '5.7.1', text: 'message refused as spam' },
  unusable: { code: 554, enhanced: '5.6.0', text: 'the message holds nothing that can become an item' },
  notRead: { code: 554, enhanced: '5.6.0', text: 'the message was not read' },
  loop: { code: 554, enhanced: '5.4.6', text: 'mail loop detected' },
  tempFailure: { code: 451, enhanced: '4.3.0', text: 'temporary failure, please try again later' },
  tooManyConnections: { code: 421, enhanced: '4.7.0', text: 'too many connections from your address, try again later' },
  tooManyMessages: { code: 450, enhanced: '4.7.1', text: 'too many messages from your address, try again later' },
  tooManyCommands: { code: 421, enhanced: '4.7.0', text: 'too many commands in one session' },
  accepted: { code: 250, enhanced: '2.6.0', text: 'message accepted' },
} as const satisfies Record<string, Reply>;

export type ReplyName = keyof typeof REPLIES;

/**
 * An SMTP reply as an Error, the way smtp-server takes hook failures:
 * `responseCode` is the code and the message starts with the enhanced status
 * code. The connection (connection.ts) sees that code in the text and does
 * not add its own, so the line reads `550 5.2.1 ...`, never `550 5.1.1 5.2.1`.
 */
export class SmtpReply extends Error {
  readonly responseCode: number;
  readonly enhanced: string;
  readonly reason: string;

  constructor(reply: Reply, reason?: string) {
    const text = reason ? `${reply.text}: ${reason}` : reply.text;
    super(`${reply.enhanced} ${oneLine(text)}`);
    this.name = 'SmtpReply';
    this.responseCode = reply.code;
    this.enhanced = reply.enhanced;
    this.reason = text;
  }

  /** The full reply line as the client sees it. */
  get line(): string {
    return `${this.responseCode} ${this.message}`;
  }

  get temporary(): boolean {
    return this.responseCode >= 400 && this.responseCode < 500;
  }
}

export function reply(name: ReplyName, reason?: string): SmtpReply {
  return new SmtpReply(REPLIES[name], reason);
}

/** Reply texts are one line of printable text (RFC 5321 4.2), kept short. */
function oneLine(text: string): string {
  const flat = text.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 400 ? flat.slice(0, 397) + '...' : flat;
}

/**
 * The last-resort mapper: domain errors get their meaning, everything else
 * is temporary. `log` sees the unexpected ones with their stack.
 */
export function toSmtpError(err: unknown, log?: (err: unknown) => void): SmtpReply {
  if (err instanceof SmtpReply) return err;
  if (err instanceof QuotaExceeded) return reply('overQuota');
  if (err instanceof InvalidInput) return reply('unusable', err.message);
  // Past the parse budget: permanent; every parse worker busy: our load, temporary (parse-pool.ts says why).
  if (err instanceof ParseTimeout) return reply('notRead', err.why);
  if (err instanceof ParseBusy) return reply('tempFailure', err.message);
  // The collection went away or the owner lost write access between RCPT and DATA.
  if (err instanceof NotFound) return reply('unknownRecipient');
  if (err instanceof Forbidden) return reply('disabled', err.message);
  // A concurrent write kept winning the optimistic retry loop: try again later.
  if (err instanceof PreconditionFailed) return reply('tempFailure');
  log?.(err);
  return reply('tempFailure');
}
