// Every job Tidings runs, with its schedule. `timeout` is bree's: the delay
// before the first run (staggered, so a starting instance does not do
// everything at once); `closeWorkerAfterMs` bounds one run. A job is one
// file exporting run(ctx, signal); scheduler.ts runs them in-process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobRun } from './context.ts';
import { run as alertFanout } from './alert-fanout.ts';
import { run as dailyDigests } from './daily-digests.ts';
import { run as outboxDelivery } from './outbox-delivery.ts';
import { run as reminders } from './reminders.ts';
import { run as webhookDelivery } from './webhook-delivery.ts';

export interface JobDefinition {
  name: string;
  /** Milliseconds between runs. */
  interval: number;
  /** Milliseconds before the first run. */
  timeout: number;
  /** A run still going after this long is asked to stop. */
  closeWorkerAfterMs: number;
  /** The module, for bree's bookkeeping and for people reading logs. */
  file: string;
  run: JobRun;
}

// The job modules sit beside this one with its extension: .ts when run
// from src/ (tsx), .js when run from the compiled dist/ (bree checks the file exists).
const EXTENSION = path.extname(fileURLToPath(import.meta.url));
const file = (name: string) => fileURLToPath(new URL(`./${name}${EXTENSION}`, import.meta.url));
const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const JOBS: readonly JobDefinition[] = [
  // Checks often; coalescing (ALERT_COALESCE_SECONDS) decides when a batch goes out.
  { name: 'alert-fanout', interval: 15 * SECOND, timeout: 5 * SECOND, closeWorkerAfterMs: 5 * MINUTE, file: file('alert-fanout'), run: alertFanout },
  // Its run limit stays below the 15-minute row lease (mail/outgoing/outbox/delivery.ts).
  { name: 'outbox-delivery', interval: 10 * SECOND, timeout: 2 * SECOND, closeWorkerAfterMs: 10 * MINUTE, file: file('outbox-delivery'), run: outboxDelivery },
  { name: 'webhook-delivery', interval: 15 * SECOND, timeout: 7 * SECOND, closeWorkerAfterMs: 5 * MINUTE, file: file('webhook-delivery'), run: webhookDelivery },
  // Reminders must go out on the minute; digests at a user's chosen minute.
  { name: 'reminders', interval: 30 * SECOND, timeout: 10 * SECOND, closeWorkerAfterMs: 5 * MINUTE, file: file('reminders'), run: reminders },
  { name: 'daily-digests', interval: 60 * SECOND, timeout: 20 * SECOND, closeWorkerAfterMs: 10 * MINUTE, file: file('daily-digests'), run: dailyDigests },
];
