// Reads a request body up to a limit before any handler runs. The limit is
// checked against Content-Length first and again while streaming (chunked
// bodies have no length), so an oversized body is never buffered whole.
import type { Request } from 'express';
import { DavError } from './errors.ts';

export async function readBody(req: Request, limit: number, tooLarge: () => DavError): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
