// What the JSON API's resource routers share: a handler that receives the
// signed-in user and maps domain errors to problems (problem.ts), JSON with
// bigint ids as strings, and numeric path ids.
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedUser } from '../../domain/auth/credentials.ts';
import { InvalidInput } from '../../domain/errors.ts';
import { sendDomainProblem } from './problem.ts';

export type UserHandler = (req: Request, res: Response, user: AuthenticatedUser) => Promise<void>;

/** Runs after the API's one login (login.ts), which sets res.locals.user. */
export function handle(h: UserHandler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await h(req, res, res.locals.user as AuthenticatedUser);
    } catch (err) {
      if (!sendDomainProblem(res, err)) next(err);
    }
  };
}

export function sendJson(res: Response, status: number, v: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
}

/** The :id of a collection path. */
export function collectionId(req: Request): bigint {
  const id = String(req.params.id);
  if (!/^\d{1,19}$/.test(id)) throw new InvalidInput(`"${id}" is not a collection id`);
  return BigInt(id);
}

export const apiAudit = (user: AuthenticatedUser) => ({ actorUserId: user.id, channel: 'api' as const });
