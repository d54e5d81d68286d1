// OPTIONS answers on every path, without authentication (RFC 4918 10.1,
// RFC 4791 5.1): clients probe it before they log in, and it reveals nothing.
// Scheduling (RFC 6638) is not advertised: Tidings does not implement it.
import type { Request, Response } from 'express';
import { METHOD_NAMES } from './names.ts';

export const DAV_COMPLIANCE = '1, 3, calendar-access, extended-mkcol';

export function options(_req: Request, res: Response): void {
  res.set({ DAV: DAV_COMPLIANCE, Allow: METHOD_NAMES.join(', '), 'Content-Length': '0' }).status(200).end();
}
