// One message after DATA, through the named stages: read (MIME), loop,
// authenticity, each address's sender policy, what the message becomes in
// each address's collection (content that can become no item is refused
// here, 554 5.6.0, whatever spamd would say or whether it answers), spam,
// then per address the items and the inbound record in one transaction
// (exactly-once), then the
// optional confirmation. Each address is handled on its own and atomically;
// the one SMTP reply is the worst temporary failure (so the sender retries
// and the addresses already done answer "duplicate"), else 250 if any
// address took the message, else the first refusal. Every refusal is
// recorded for the address's owner (best effort: a database that is down
// cannot record its own outage).
import { deliverToCollection, quarantineMessage, recordRefusal, type DeliverySummary, type InboundEnvelope } from '../domain/inbound.ts';
import type { RoutedAddress } from '../domain/routing.ts';
import { checkSenderPolicy } from '../domain/sender-policy.ts';
import { InvalidInput } from '../domain/errors.ts';
import type { MailSummary } from '../mail/parse/message.ts';
import { ParseBusy, ParseTimeout } from '../mail/parse-pool.ts';
import type { ItemPlan } from '../mail/plan.ts';
import { messageKeys, type InboundRead } from '../mail/read-inbound.ts';
import { checkAuthenticity } from './authenticity.ts';
import { confirmDelivery } from './stages/confirm.ts';
import type { RobotDeps } from './deps.ts';
import { reply, toSmtpError, type SmtpReply } from './replies.ts';
import { detectLoop } from './stages/loop.ts';
import { checkSpam } from './stages/spam.ts';

export interface MessageFacts {
  raw: Buffer;
  mailFrom: string;
  remoteAddress: string;
  helo: string;
  targets: Array<{ rcptTo: string; address: RoutedAddress }>;
}

type Target = MessageFacts['targets'][number];
type Trace = Record<string, unknown>;


/** The 250 text, or throws the SmtpReply (or error) the sender gets. */
export async function handleMessage(deps: RobotDeps, facts: MessageFacts): Promise<string> {
  const trace: Trace = {
    envelope: { mailFrom: facts.mailFrom, rcptTo: facts.targets.map((t) => t.rcptTo), remoteAddress: facts.remoteAddress, helo: facts.helo, size: facts.raw.length },
  };
  // The message is read, and its items planned for every address, in a parse
  // worker under the time budget (parse-pool.ts): nothing in it runs here.
  let read: InboundRead;
  try {
    read = await deps.parser.read(facts.raw, facts.targets.map((t) => t.address));
  } catch (err) {
    if (!(err instanceof ParseTimeout || err instanceof ParseBusy)) throw err;
    const failure = toSmtpError(err);
    throw await refuse(deps, facts.targets, envelopeMaker(facts, UNREAD), failure, trace, failure.temporary ? 'deferred' : 'rejected');
  }
  if ('unreadable' in read) throw await refuse(deps, facts.targets, envelopeMaker(facts, UNREAD), reply('unusable', read.unreadable.message), trace, 'rejected');
  const content = read.summary;
  const outcomes = new Map(facts.targets.map((t, i) => [t, read.plans[i]!]));
  const envelopeOf = envelopeMaker(facts, content);
  trace.message = { messageId: content.messageId, from: content.from?.address ?? null, subject: content.subject, date: content.date };

  const loop = detectLoop(facts.raw, { mailDomain: deps.config.mailDomain, hostname: deps.config.smtp.hostname, mailFrom: facts.mailFrom, from: content.from?.address ?? null });
  if (loop) throw await refuse(deps, facts.targets, envelopeOf, loop, { ...trace, loop: loop.reason }, 'rejected');

  const auth = await checkAuthenticity({
    raw: facts.raw,
    ip: facts.remoteAddress,
    helo: facts.helo,
    mailFrom: facts.mailFrom,
    hostname: deps.config.smtp.hostname,
    from: content.from?.address ?? null,
    trustedRelay: deps.isTrustedRelay(facts.remoteAddress),
    trustedArcSealers: deps.config.smtp.trustedArcSealers,
    resolver: deps.resolver,
  });
  trace.auth = auth;

  const allowed: Target[] = [];
  const refusals: SmtpReply[] = [];
  for (const target of facts.targets) {
    const policy = await checkSenderPolicy(deps.store, target.address, auth);
    if (policy.allowed) {
      allowed.push(target);
      continue;
    }
    refusals.push(await refuse(deps, [target], envelopeOf, reply('notAllowed', policy.reason), { ...trace, policy }, 'rejected'));
  }
  if (allowed.length === 0) throw refusals[0]!;
  trace.policy = { allowed: true };

  const plans = new Map<Target, ItemPlan>();
  for (const target of [...allowed]) {
    try {
      const outcome = outcomes.get(target)!;
      if ('refused' in outcome) throw new InvalidInput(outcome.refused.message, outcome.refused.reason);
      plans.set(target, outcome.plan);
    } catch (err) {
      allowed.splice(allowed.indexOf(target), 1);
      const failure = toSmtpError(err, (e) => deps.log.error({ err: e, rcptTo: target.rcptTo }, 'planning failed'));
      refusals.push(await refuse(deps, [target], envelopeOf, failure, trace, failure.temporary ? 'deferred' : 'rejected'));
    }
  }
  if (allowed.length === 0) throw refusals.find((r) => r.temporary) ?? refusals[0]!;

  const spam = await checkSpam(deps.spamd, facts.raw, deps.config.smtp);
  trace.spam = spam;
  const spamScore = 'score' in spam ? spam.score : null;
  if (spam.verdict === 'reject') throw await refuse(deps, allowed, envelopeOf, reply('spam', `spam score ${spam.score}`), trace, 'rejected', spamScore);
  if (spam.verdict === 'deferred') throw await refuse(deps, allowed, envelopeOf, reply('tempFailure', 'the spam check is unavailable'), trace, 'deferred');
  if (spam.verdict === 'quarantine') {
    for (const t of allowed) {
      await quarantineMessage(deps.store, { address: t.address, envelope: envelopeOf(t), trace, spamScore: spam.score, spamSymbols: spam.symbols, raw: facts.raw, reply: '250 2.6.0 held in quarantine' });
    }
    return 'message held for review by the owner';
  }

  const delivered: Array<{ target: Target; summary: DeliverySummary }> = [];
  const failures: SmtpReply[] = [...refusals];
  for (const target of allowed) {
    const envelope = envelopeOf(target);
    try {
      const plan = plans.get(target)!;
      const summary = await deliverToCollection(deps.store, {
        address: target.address,
        envelope,
        objects: plan.objects,
        trace: { ...trace, parse: { source: plan.source, notes: plan.notes } },
        spamScore,
        replyFor: (s) => `250 2.6.0 ${acceptedText([s])}`,
      });
      delivered.push({ target, summary });
    } catch (err) {
      const failure = toSmtpError(err, (e) => deps.log.error({ err: e, rcptTo: target.rcptTo }, 'delivery failed'));
      failures.push(await refuse(deps, [target], envelopeOf, failure, trace, failure.temporary ? 'deferred' : 'rejected', spamScore));
    }
  }
  const temporary = failures.find((f) => f.temporary);
  if (temporary) throw temporary;
  if (delivered.length === 0) throw failures[0]!;

  for (const { target, summary } of delivered) {
    if (target.address.confirmations && !summary.duplicate) await confirmDelivery(deps, { facts, content, auth, target, summary });
  }
  return acceptedText(delivered.map((d) => d.summary)) + (refusals.length ? ` (refused for ${refusals.length} other address(es))` : '');
}

function acceptedText(summaries: Array<Pick<DeliverySummary, 'duplicate' | 'items'>>): string {
  if (summaries.every((s) => s.duplicate)) return 'already delivered, nothing changed';
  const changed = summaries.flatMap((s) => s.items).filter((i) => ['create', 'update', 'cancel', 'reply'].includes(i.action)).length;
  return changed === 0 ? 'accepted, nothing changed (see the inbound record)' : `accepted, ${changed} item${changed === 1 ? '' : 's'} stored`;
}

/** What is known of a message that was not read: nothing but its bytes. */
const UNREAD: MailSummary = { subject: '', from: null, messageId: null, date: null, forwarded: false, headers: new Map(), headerNames: new Set(), notes: [] };

function envelopeMaker(facts: MessageFacts, content: MailSummary): (t: Target) => InboundEnvelope {
  const { messageId, dedupeKey } = messageKeys(content.messageId, facts.raw);
  const headerFrom = content.from ? (content.from.name ? `${content.from.name} <${content.from.address}>` : content.from.address) : '';
  return (t) => ({ messageId, dedupeKey, mailFrom: facts.mailFrom, rcptTo: t.rcptTo, remoteAddress: facts.remoteAddress, headerFrom, subject: content.subject, sizeBytes: facts.raw.length });
}

/** Records the refusal for each target's owner and returns the reply to give. */
async function refuse(
  deps: RobotDeps,
  targets: Target[],
  envelopeOf: (t: Target) => InboundEnvelope,
  why: SmtpReply,
  trace: Trace,
  outcome: 'rejected' | 'deferred',
  spamScore: number | null = null,
): Promise<SmtpReply> {
  for (const t of targets) {
    try {
      await recordRefusal(deps.store, { address: t.address, envelope: envelopeOf(t), trace, spamScore, outcome, reply: why.line });
    } catch (err) {
      deps.log.warn({ err, rcptTo: t.rcptTo }, 'could not record a refused message');
    }
  }
  return why;
}

