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
//
// ARC (RFC 8617) rescues mail that an intermediary changed: a mailing list
// that tags the Subject or adds a footer breaks the author's DKIM, so DMARC
// fails here although the list saw it pass. When the ARC chain validates and
// its latest seal was made by a sealer the operator trusts
// (SMTP_TRUSTED_ARC_SEALERS), that sealer's ARC-Authentication-Results (what
// it saw on arrival) stand in for our failed DMARC/SPF: see arcOverride().
import { authenticate } from 'mailauth';
import type { SenderFacts } from '../domain/sender-policy.ts';
import { parseAuthenticationResults, type AuthChecks, type AuthResults } from './auth-results.ts';

export type DnsResolver = (name: string, type: string) => Promise<unknown>;

export interface AuthVerdict extends SenderFacts, AuthChecks {
  source: 'mailauth' | 'trusted-relay';
  /** The d= of the latest (highest i=) ARC-Seal when the chain passed, trusted or not; null otherwise. */
  arcSealer: string | null;
  /** The trusted sealer whose ARC-Authentication-Results overrode a DMARC or SPF failure; null when ARC changed nothing. */
  arcOverride: string | null;
}

export interface AuthInput {
  raw: Buffer;
  ip: string;
  helo: string;
  mailFrom: string;
  hostname: string;
  from: string | null;
  trustedRelay: boolean;
  /** SMTP_TRUSTED_ARC_SEALERS (lower-case domains); absent or empty: ARC never changes a verdict. */
  trustedArcSealers?: readonly string[];
  resolver?: DnsResolver;
}

/** The latest ARC set of a chain that passed: who sealed it, and what that sealer's ARC-Authentication-Results say. */
export interface ArcSealerView {
  sealer: string;
  spf: { result: string; domain: string | null } | null;
  dkim: Array<{ result: string; domain: string | null }>;
  dmarc: { result: string; from: string | null } | null;
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
  const arcResult = result.arc ? result.arc.status.result : 'none';
  const latestSet = arcResult === 'pass' && result.arc ? arcSealerView(result.arc) : null;
  return judge(
    {
      source: 'mailauth',
      spf: result.spf ? result.spf.status.result : 'none',
      spfDomain: result.spf ? (result.spf.domain ?? null) : null,
      dkim: (result.dkim?.results ?? []).filter((r) => r.signingDomain).map((r) => ({ domain: String(r.signingDomain).toLowerCase(), result: r.status.result })),
      dmarc: result.dmarc ? result.dmarc.status.result : 'none',
      dmarcPolicy: result.dmarc ? (result.dmarc.policy ?? null) : null,
      arc: arcResult,
      arcSealer: latestSet?.sealer ?? null,
    },
    input.from,
    latestSet,
    input.trustedArcSealers ?? [],
  );
}

/** A parsed ARC-Authentication-Results method entry, as mailauth's arc() leaves it (result first, then ptype.property values). */
interface ArcResultEntry {
  result?: string;
  header?: Record<string, string | undefined>;
  smtp?: Record<string, string | undefined>;
}

interface MailauthArc {
  status: { result: string };
  /** The instance of the latest set (0 without a chain). */
  i?: number | false;
  /** The latest set's ARC-Authentication-Results, parsed (only when the chain passed). */
  authenticationResults?: { dkim?: ArcResultEntry[]; spf?: ArcResultEntry; dmarc?: ArcResultEntry };
  /** Non-enumerable: every set, oldest first, with its parsed ARC-Seal. */
  chain?: Array<{ i: number; 'arc-seal'?: { parsed?: { d?: { value?: unknown } } } }> | false;
}

interface MailauthResult {
  spf?: { status: { result: string }; domain?: string } | false;
  dkim?: { results?: Array<{ signingDomain?: string; status: { result: string } }> };
  dmarc?: { status: { result: string }; policy?: string } | false;
  arc?: MailauthArc | false;
}

const lower = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : null);
/** "user@example.com", "@example.com" or (as Microsoft writes smtp.mailfrom) "example.com": the domain. */
const domainPart = (v: string | null): string | null => (v ? v.slice(v.lastIndexOf('@') + 1) || null : null);

/** The sealer of the highest-i ARC set and what its ARC-Authentication-Results report; null if mailauth left either out. */
export function arcSealerView(arc: MailauthArc): ArcSealerView | null {
  const chain = Array.isArray(arc.chain) ? arc.chain : [];
  const latest = chain[chain.length - 1];
  if (!latest || latest.i !== arc.i) return null;
  const sealer = lower(latest['arc-seal']?.parsed?.d?.value);
  const aar = arc.authenticationResults;
  if (!sealer || !aar) return null;
  return {
    sealer,
    spf: aar.spf ? { result: lower(aar.spf.result) ?? 'none', domain: domainPart(lower(aar.spf.smtp?.mailfrom)) } : null,
    dkim: (Array.isArray(aar.dkim) ? aar.dkim : []).map((d) => ({ result: lower(d.result) ?? 'none', domain: lower(d.header?.d) ?? domainPart(lower(d.header?.i)) })),
    dmarc: aar.dmarc ? { result: lower(aar.dmarc.result) ?? 'none', from: lower(aar.dmarc.header?.from) } : null,
  };
}

/**
 * Local policy on a validated ARC chain (RFC 8617 section 7.2; what Gmail
 * and Microsoft 365 do with their trusted-sealer lists). Returns the sealer's
 * domain when it may override our own DMARC fail or SPF hard fail, else null
 * (judge() asks only when the message would otherwise be spoofed or
 * unauthenticated). All must hold:
 *  - we saw DMARC fail or SPF fail (nothing else needs explaining);
 *  - the whole chain passed (arc=pass: every seal and the latest
 *    ARC-Message-Signature verified, so the latest set was made by the holder
 *    of its d= key and nothing it covers changed since);
 *  - the latest seal's d= is one of trustedSealers (exact match: the
 *    operator vouches that this sealer reports honestly; an untrusted one
 *    could write anything in its ARC-Authentication-Results);
 *  - that sealer saw the From domain authenticated: dmarc=pass for
 *    header.from = our From domain, or (its dmarc not fail) dkim=pass with
 *    header.d, or spf=pass with smtp.mailfrom, aligned with the From domain.
 * Earlier sets are not looked at: the trusted sealer's report is all we rely
 * on, as it would be for a trusted relay's Authentication-Results.
 */
export function arcOverride(checks: Pick<AuthVerdict, 'spf' | 'dmarc' | 'arc'>, latestSet: ArcSealerView | null, fromDomain: string | null, trustedSealers: readonly string[]): string | null {
  if (checks.dmarc !== 'fail' && checks.spf !== 'fail') return null;
  if (checks.arc !== 'pass' || !latestSet || !fromDomain || !trustedSealers.includes(latestSet.sealer)) return null;
  const saw = latestSet;
  const sawAuthenticated =
    (saw.dmarc?.result === 'pass' && saw.dmarc.from === fromDomain) ||
    (saw.dmarc?.result !== 'fail' &&
      ((saw.spf?.result === 'pass' && aligned(saw.spf.domain, fromDomain)) || saw.dkim.some((d) => d.result === 'pass' && aligned(d.domain, fromDomain))));
  return sawAuthenticated ? latestSet.sealer : null;
}

type Checks = Omit<AuthVerdict, 'from' | 'authenticated' | 'spoofed' | 'arcOverride'>;

function judge(checks: Checks, from: string | null, latestSet: ArcSealerView | null = null, trustedSealers: readonly string[] = []): AuthVerdict {
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
  if (spoofed || !authenticated) {
    const override = arcOverride(checks, latestSet, fromDomain, trustedSealers);
    if (override) return { ...checks, arcOverride: override, from, authenticated: true, spoofed: null };
  }
  return { ...checks, arcOverride: null, from, authenticated, spoofed };
}

function verdictFromRelay(ar: AuthResults, from: string | null): AuthVerdict {
  // The relay's header gives ARC's result but not who sealed: no ARC override here.
  return judge({ source: 'trusted-relay', spf: ar.spf, spfDomain: ar.spfDomain, dkim: ar.dkim, dmarc: ar.dmarc, dmarcPolicy: ar.dmarcPolicy, arc: ar.arc, arcSealer: null }, from);
}
