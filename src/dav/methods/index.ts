// One table of the DAV methods Tidings answers, each in its own module
// (STYLE.md). OPTIONS is answered before authentication (router.ts); any
// method not here is 405 with Allow.
import type { DavContext } from '../context.ts';
import { copy } from './copy.ts';
import { del } from './delete.ts';
import { get } from './get.ts';
import { head } from './head.ts';
import { mkcalendar } from './mkcalendar.ts';
import { mkcol } from './mkcol.ts';
import { move } from './move.ts';
import { propfind } from './propfind.ts';
import { proppatch } from './proppatch.ts';
import { put } from './put.ts';
import { report } from './report.ts';

export type MethodHandler = (ctx: DavContext) => Promise<void>;

export const METHODS: ReadonlyMap<string, MethodHandler> = new Map([
  ['PROPFIND', propfind],
  ['PROPPATCH', proppatch],
  ['MKCALENDAR', mkcalendar],
  ['MKCOL', mkcol],
  ['GET', get],
  ['HEAD', head],
  ['PUT', put],
  ['DELETE', del],
  ['COPY', copy],
  ['MOVE', move],
  ['REPORT', report],
]);
