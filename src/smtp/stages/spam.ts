// The spam stage: spamd's score against our thresholds. At or over the
// reject score the message is refused; from the quarantine score it is held
// for the owner; spamd unreachable defers the message (451) unless
// configured to accept it flagged as unchecked.
import type { SmtpConfig } from '../../config.ts';
import { SpamdUnavailable, type SpamdClient } from '../spamd.ts';

export type SpamVerdict =
  | { verdict: 'ham' | 'quarantine' | 'reject'; score: number; symbols: string[] }
  | { verdict: 'unchecked' | 'deferred'; reason: string };

export async function checkSpam(spamd: SpamdClient | null, raw: Buffer, config: SmtpConfig): Promise<SpamVerdict> {
  if (!spamd) return { verdict: 'unchecked', reason: 'spam checking is off (SPAMD_URL unset)' };
  if (raw.length > config.spamMaxBytes) return { verdict: 'unchecked', reason: `larger than SPAM_MAX_BYTES (${config.spamMaxBytes})` };
  let report;
  try {
    report = await spamd.check(raw);
  } catch (err) {
    if (!(err instanceof SpamdUnavailable)) throw err;
    if (config.spamdDown === 'defer') return { verdict: 'deferred', reason: err.message };
    return { verdict: 'unchecked', reason: `spamd unavailable, accepted unchecked (${err.message})` };
  }
  const verdict = report.score >= config.spamRejectScore ? 'reject' : report.score >= config.spamQuarantineScore ? 'quarantine' : 'ham';
  return { verdict, score: report.score, symbols: report.symbols };
}
