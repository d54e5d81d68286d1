// Job: daily digests at each member's local digest time. The domain decides
// who is due and writes each digest in its own transaction
// (domain/alerts/digest-day.ts); the outgoing-mail wing words it.
import { dueDigests, forgetOldDigestDays, sendDigest } from '../domain/alerts/digest-day.ts';
import type { Store } from '../store/index.ts';
import { mailComposer } from '../mail/outgoing/compose/index.ts';
import type { AlertMailSettings } from '../mail/outgoing/headers.ts';
import type { MailTemplates } from '../mail/outgoing/templates.ts';
import type { JobContext } from './context.ts';

export interface DigestDeps {
  store: Store;
  templates: MailTemplates;
  settings: AlertMailSettings;
  now: () => Date;
}

export async function runDailyDigests(deps: DigestDeps, signal?: AbortSignal): Promise<{ sent: number; empty: number; failed: number }> {
  const now = deps.now();
  const options = { compose: mailComposer(deps.templates, deps.settings), mailDomain: deps.settings.mailDomain, now };
  const report = { sent: 0, empty: 0, failed: 0 };
  for (const due of await dueDigests(deps.store, now)) {
    if (signal?.aborted) break;
    let outcome: Awaited<ReturnType<typeof sendDigest>>;
    try {
      outcome = await sendDigest(deps.store, due, options);
    } catch {
      // Rolled back: the day stays unclaimed and the next run tries again.
      report.failed++;
      continue;
    }
    if (outcome === 'sent') report.sent++;
    if (outcome === 'empty') report.empty++;
  }
  await forgetOldDigestDays(deps.store, now);
  return report;
}

export async function run(ctx: JobContext, signal: AbortSignal): Promise<object> {
  return runDailyDigests({ store: ctx.store, templates: ctx.templates, settings: ctx.alertSettings, now: ctx.now }, signal);
}
