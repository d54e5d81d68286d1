// Mail to Tidings' own return addresses (routing verdict 'return-mail'):
// DSNs (RFC 3464) to the VERP address bounces+<token>@MAIL_DOMAIN and
// List-Unsubscribe mailtos to unsubscribe+<token>@MAIL_DOMAIN. The raw
// message goes to receiveReturnMail (domain/bounces), which commits before
// the robot answers. Nothing of the inbound pipeline applies: no loop check
// (a DSN quotes our own headers), no SPF/DKIM/DMARC or sender policy (DSNs
// come from the null sender of any MTA; the VERP token or the signed
// unsubscribe token is the only credential), no spam check, no item, no
// inbound record, and never a reply of any kind (no backscatter).
//
// Every outcome gets the same 250, including an unknown or forged token
// (bounces+garbage@), "not a DSN" and a bare bounces@. 250-and-drop rather
// than 550 5.1.1, because:
// - a refused DSN has nowhere to go: its sender is <>, so the refusing MTA
//   (our front Postfix, whose lookup ignores the +token and so accepts every
//   bounces+...@, or the remote one) makes a double bounce for a postmaster;
// - tokens legitimately stop resolving: sent outbox rows are purged after
//   their retention, and a "failed" DSN can follow days after a "delayed";
// - refusing would need the token looked up at RCPT (a second statement on
//   the hot lookup) and would tell a prober which tokens are real;
// - accepting costs nothing: an unknown token changes nothing and is logged.
// An internal failure is still 451 4.3.0 (the reporting MTA retries; the
// handling is idempotent per message, so a retry never counts twice).
import { receiveReturnMail, type ReturnMailOutcome } from '../../domain/bounces/return-mail.ts';
import type { ReturnAddress } from '../../domain/routing.ts';
import type { RobotDeps } from '../deps.ts';

export const RETURN_MAIL_ACCEPTED = 'message accepted';

/** Hands the message to each return address's handler; throws (451 via the mapper) on an internal failure. */
export async function takeReturnMail(deps: RobotDeps, raw: Buffer, recipients: Array<{ rcptTo: string; address: ReturnAddress }>): Promise<string> {
  const settings = await deps.returnMail();
  for (const r of recipients) {
    const outcome = await receiveReturnMail(deps.store, settings, r.rcptTo, raw);
    // The token itself is a credential (unsubscribe) or a message's key (VERP): logged by its address only.
    deps.log.info({ returnAddress: r.address.address, outcome: describe(outcome) }, 'return mail handled');
  }
  return RETURN_MAIL_ACCEPTED;
}

function describe(o: ReturnMailOutcome): Record<string, unknown> {
  switch (o.kind) {
    case 'bounce':
      return { kind: o.kind, outcome: o.outcome, recipient: o.recipient, status: o.status, hardBounces: o.hardBounces, suspended: o.suspended };
    case 'unsubscribe':
      return { kind: o.kind, done: o.done, collectionId: o.collectionId?.toString(), userId: o.userId?.toString() };
    case 'not-ours':
      return { kind: o.kind };
  }
}
