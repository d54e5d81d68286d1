import type { DavContext } from '../context.ts';
import { transfer } from './transfer.ts';

/** MOVE (RFC 4918 9.9): the source is deleted in the same transaction. */
export async function move(ctx: DavContext): Promise<void> {
  await transfer(ctx, true);
}
