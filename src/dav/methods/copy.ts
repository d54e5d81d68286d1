import type { DavContext } from '../context.ts';
import { transfer } from './transfer.ts';

/** COPY (RFC 4918 9.8): the source stays. */
export async function copy(ctx: DavContext): Promise<void> {
  await transfer(ctx, false);
}
