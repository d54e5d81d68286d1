// The SMTP robot reads untrusted mail in a small pool of worker threads
// (piscina), so no message can hold the main event loop, which answers every
// other SMTP client, CalDAV and /healthz. Each reading has a wall-clock
// budget from the moment a worker starts it (SMTP_PARSE_TIMEOUT_MS); past
// it the worker is terminated, not waited for, and a new one takes its place.
//
// Temporary or permanent? A reading that ran past its budget is refused for
// good (ParseTimeout, 554 5.6.0): the budget is about a thousand times what
// honest mail needs (milliseconds), there are no more workers than cores, and
// the clock starts only when a worker begins this message, so a busy
// server does not eat into it: a message that still needs more is built to
// need it, and a retry would only burn the budget again. A worker that runs
// out of memory is the same. A pool with all workers busy and its queue full
// is our load, not the sender's fault: that is 451 (ParseBusy), and the
// sender retries.
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RoutedAddress } from '../domain/routing.ts';
import type { ParseTask } from './parse-worker.ts';
import { fromWire, type InboundRead } from './read-inbound.ts';

/** The reading ran past its budget (or its memory) and was stopped: the message is refused. */
export class ParseTimeout extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'ParseTimeout';
  }
}

/** Every worker is busy and the queue is full: the sender should try again later. */
export class ParseBusy extends Error {
  constructor() {
    super('every parse worker is busy');
    this.name = 'ParseBusy';
  }
}

export interface ParsePoolOptions {
  timeoutMs: number;
  /** Worker threads (default: the cores, 2 to 4). */
  threads?: number;
}

/** Messages waiting per worker: with the budget, the longest any message waits is about this many budgets. */
const QUEUE_PER_THREAD = 8;
/** A worker's heap: a message within MAX_MESSAGE_BYTES needs a fraction of it. */
const WORKER_HEAP_MB = 768;

// src/ runs under tsx (tests, and `tidings` when dist/ is stale), dist/ as
// plain JavaScript: the worker is this module's sibling either way. A
// TypeScript worker loads tsx itself, as `tidings` may have registered it in
// this thread only (module.register hooks are not inherited by workers).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(FROM_SOURCE ? './parse-worker.ts' : './parse-worker.js', import.meta.url).href;

// Flags a worker thread may take that matter to loading code (tsx's hook,
// module conditions). The process may carry others a Worker refuses: Node 24's
// test runner starts each file with --stack-trace-limit, --secure-heap and
// the like, which new Worker() rejects with ERR_WORKER_INVALID_EXEC_ARGV.
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);

function loaderArgv(argv: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=')[0]!;
    if (!LOADER_FLAGS.has(name)) continue;
    if (arg.includes('=')) kept.push(arg);
    else if (i + 1 < argv.length) kept.push(arg, argv[++i]!);
  }
  return kept;
}

function workerExecArgv(): string[] {
  const argv = loaderArgv(process.execArgv);
  if (!FROM_SOURCE) return argv;
  const tsx = import.meta.resolve('tsx');
  const has = argv.some((a, i) => (a === 'tsx' || a === tsx) && argv[i - 1] === '--import') || argv.some((a) => a === '--import=tsx');
  return has ? argv : [...argv, '--import', tsx];
}

export class ParsePool {
  private readonly pool: Piscina;
  private readonly maxQueue: number;

  constructor(private readonly options: ParsePoolOptions) {
    const threads = options.threads ?? Math.max(2, Math.min(4, availableParallelism()));
    this.maxQueue = threads * QUEUE_PER_THREAD;
    this.pool = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: threads,
      // Backstop only: read() says "busy" itself before the queue is full.
      maxQueue: this.maxQueue + 1,
      idleTimeout: 60_000,
      execArgv: workerExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
  }

  /** The message's reading for these addresses, within the budget; ParseTimeout or ParseBusy otherwise. */
  async read(raw: Buffer, addresses: RoutedAddress[]): Promise<InboundRead> {
    if (this.pool.queueSize >= this.maxQueue) throw new ParseBusy();
    const abort = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    port1.once('message', () => {
      timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, this.options.timeoutMs);
    });
    try {
      const task: ParseTask = { raw, addresses, started: port2 };
      return fromWire((await this.pool.run(task, { signal: abort.signal, transferList: [port2] })) as InboundRead);
    } catch (err) {
      if (timedOut) throw new ParseTimeout(`it took too long to parse (over ${this.options.timeoutMs} ms)`);
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') throw new ParseTimeout('it needed too much memory to parse');
      throw err;
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  }

  /** Stops every worker, a reading in progress too. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}
