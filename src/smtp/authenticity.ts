// Is the message from whom its From header says? SPF, DKIM, DMARC and ARC
// with mailauth (its DNS resolver injectable, so tests use fixed records and
// never reach a real one). Mail handed over by a trusted relay (configured
// networks) is judged by the relay's own Authentication-Results header, as
// the relay saw the original client; without one, mailauth reads the
// client from the relay's Received header.
//
// "authenticated": DMARC pass, or (no DMARC record) SPF or DKIM pass for a
// domain aligned with the From domain. "spoofed": DMARC fail under a
// quarantine/reject policy, or an SPF hard fail not rescued by a DMARC pass
// (aligned DKIM). A DMARC fail under p=none only leaves the message
// unauthenticated, as the domain's owner asked.
import { authenticate } from 'mailauth';
import type { SenderFacts } from '../domain/sender-policy.ts';
import { parseAuthenticationResults, type AuthResults } from './auth-results.ts';

export type DnsResolver = (name: string, type: string) => Promise<unknown>;

export interface AuthVerdict extends SenderFacts {
  source: 'mailauth' | 'trusted-relay';
  spf: string;
  spfDomain: string | null;
  dkim: Array<{ domain: string; result: string }>;
  dmarc: string;
  dmarcPolicy: string | null;
  arc: string;
}

export interface AuthInput {
  raw: Buffer;
  ip: string;
  helo: string;
  mailFrom: string;
  hostname: string;
  from: string | null;
  trustedRelay: boolean;
  resolver?: DnsResolver;
}

export const aligned = (a: string | null, b: string | null): boolean =>
  !!a && !!b && (a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`));

const domainOf = (address: string | null) => (address && address.includes('@') ? address.slice(address.lastIndexOf('@') + 1).toLowerCase() : null);

export async function checkAuthenticity(input: AuthInput): Promise<AuthVerdict> {
  if (input.trustedRelay) {
    const relayed = parseAuthenticationResults(input.raw);
    if (relayed) return verdictFromRelay(relayed, input.from);
  }
  const result = (await authenticate(input.raw, {
    ip: input.trustedRelay ? undefined : input.ip,
    helo: input.trustedRelay ? undefined : input.helo,
    sender: input.mailFrom || undefined,
    trustReceived: input.trustedRelay,
    mta: input.hostname,
    resolver: input.resolver as never,
    disableBimi: true,
  })) as unknown as MailauthResult;
  return judge(
    {
      source: 'mailauth',
      spf: result.spf ? result.spf.status.result : 'none',
      spfDomain: result.spf ? (result.spf.domain ?? null) : null,
      dkim: (result.dkim?.results ?? []).filter((r) => r.signingDomain).map((r) => ({ domain: String(r.signingDomain).toLowerCase(), result: r.status.result })),
      dmarc: result.dmarc ? result.dmarc.status.result : 'none',
      dmarcPolicy: result.dmarc ? (result.dmarc.policy ?? null) : null,
      arc: result.arc ? result.arc.status.result : 'none',
    },
    input.from,
  );
}

interface MailauthResult {
  spf?: { status: { result: string }; domain?: string } | false;
  dkim?: { results?: Array<{ signingDomain?: string; status: { result: string } }> };
  dmarc?: { status: { result: string }; policy?: string } | false;
  arc?: { status: { result: string } } | false;
}

type Checks = Omit<AuthVerdict, 'from' | 'authenticated' | 'spoofed'>;

function judge(checks: Checks, from: string | null): AuthVerdict {
  const fromDomain = domainOf(from);
  let spoofed: string | null = null;
  if (checks.dmarc === 'fail' && checks.dmarcPolicy !== 'none') {
    spoofed = `DMARC fail for ${fromDomain ?? 'the From domain'}, whose policy is ${checks.dmarcPolicy ?? 'reject'}`;
  } else if (checks.spf === 'fail' && checks.dmarc !== 'pass') {
    spoofed = `SPF fail: the sending server may not send mail for ${checks.spfDomain ?? 'the envelope sender'}`;
  }
  const authenticated =
    !spoofed &&
    (checks.dmarc === 'pass' ||
      (checks.dmarc !== 'fail' &&
        ((checks.spf === 'pass' && aligned(checks.spfDomain, fromDomain)) || checks.dkim.some((d) => d.result === 'pass' && aligned(d.domain, fromDomain)))));
  return { ...checks, from, authenticated, spoofed };
}

function verdictFromRelay(ar: AuthResults, from: string | null): AuthVerdict {
  return judge({ source: 'trusted-relay', spf: ar.spf, spfDomain: ar.spfDomain, dkim: ar.dkim, dmarc: ar.dmarc, dmarcPolicy: ar.dmarcPolicy, arc: ar.arc }, from);
}
