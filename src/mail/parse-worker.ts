// The entry of a parse worker thread (parse-pool.ts): one message in (its
// bytes and the addresses it is for), its reading out as plain data. It says
// when it starts, so the pool's time budget counts the reading, not the wait
// in the queue or the thread's start-up.
import type { MessagePort } from 'node:worker_threads';
import type { RoutedAddress } from '../domain/routing.ts';
import { readInbound, toWire, type InboundRead } from './read-inbound.ts';

export interface ParseTask {
  raw: Uint8Array;
  addresses: RoutedAddress[];
  started: MessagePort;
}

export default async function parse(task: ParseTask): Promise<InboundRead> {
  task.started.postMessage('started');
  task.started.close();
  // A Buffer crosses as a plain Uint8Array: view the same bytes as a Buffer again.
  const raw = Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength);
  return toWire(await readInbound(raw, task.addresses));
}
