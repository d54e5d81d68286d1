// HEAD: GET without the body (DavContext.send leaves it out), same headers.
import type { DavContext } from '../context.ts';
import { get } from './get.ts';

export async function head(ctx: DavContext): Promise<void> {
  await get(ctx);
}
