// Runs the jobs of index.ts on bree's schedule, in this process. Bree's
// default is a worker thread per run; here createWorker hands it a
// worker-like object that calls the job's run() with the shared store and
// mailer instead: one connection pool and one SMTP pool per instance rather
// than a Prisma client and relay connection per run, and tests start the
// same jobs in-process. Bree still owns intervals, the first-run delay,
// the run time limit (closeWorkerAfterMs: the run's signal is aborted) and
// graceful stop (it waits for running jobs), and logs each run.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import Bree from 'bree';
import type { Logger } from '../log.ts';
import type { JobContext } from './context.ts';
import { JOBS, type JobDefinition } from './index.ts';

/** Stands in for a worker thread; emits what bree listens for. */
class InProcessRun extends EventEmitter {
  private readonly controller = new AbortController();
  private finished: Promise<void>;

  constructor(job: JobDefinition, ctx: JobContext) {
    super();
    const log = ctx.log.child({ job: job.name });
    const started = performance.now();
    this.finished = new Promise<void>((resolve) => {
      setImmediate(() => {
        this.emit('online');
        const done = ctx.watchdog?.track(`job ${job.name}`);
        job
          .run({ ...ctx, log }, this.controller.signal)
          .then(
            (report) => {
              log.info({ ms: Math.round(performance.now() - started), ...report }, 'job run finished');
              this.emit('exit', 0);
            },
            (err: unknown) => {
              log.error({ err, ms: Math.round(performance.now() - started) }, 'job run failed');
              this.emit('exit', 1);
            },
          )
          .finally(() => {
            done?.();
            resolve();
          });
      });
    });
  }

  /** bree's stop(): ask the run to wind down; it exits when its current slice is done. */
  postMessage(message: unknown): void {
    if (message === 'cancel') this.controller.abort();
  }

  /** bree's run time limit: abort, then report the exit once the run returns. */
  async terminate(): Promise<number> {
    this.controller.abort();
    await this.finished;
    return 0;
  }
}

// Bree's own lines go to our log; its errors (a run that failed) are ours already.
function breeLogger(log: Logger) {
  return {
    info: (message: string) => log.debug(message),
    warn: (message: unknown) => log.warn(String(message instanceof Error ? message.message : message)),
    error: (message: unknown) => log.debug(String(message instanceof Error ? message.message : message)),
  };
}

export interface RunningJobs {
  stop(): Promise<void>;
}

export async function startJobs(ctx: JobContext, jobs: readonly JobDefinition[] = JOBS): Promise<RunningJobs> {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  class InProcessBree extends Bree {
    override createWorker = (_filename: string, options: { workerData?: { job?: { name?: string } } }): Worker => {
      const job = byName.get(options.workerData?.job?.name ?? '');
      if (!job) throw new Error(`unknown job ${options.workerData?.job?.name}`);
      return new InProcessRun(job, ctx) as unknown as Worker;
    };
  }
  const bree = new InProcessBree({
    root: false,
    doRootCheck: false,
    logger: breeLogger(ctx.log),
    jobs: jobs.map((j) => ({ name: j.name, path: j.file, interval: j.interval, timeout: j.timeout, closeWorkerAfterMs: j.closeWorkerAfterMs })),
  });
  await bree.start();
  ctx.log.info({ jobs: jobs.map((j) => j.name) }, 'jobs started');
  return {
    async stop() {
      await bree.stop();
    },
  };
}
