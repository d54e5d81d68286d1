// The JSON API's login: the web server's one login step (middleware/basic-auth.ts),
// its refusals rendered as RFC 9457 problems; the user lands in res.locals.user.
import type { RequestHandler } from 'express';
import type { HttpLogin } from '../middleware/basic-auth.ts';
import { problem } from './problem.ts';

const TITLES = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' } as const;

export function requireLogin(login: HttpLogin): RequestHandler {
  return async (req, res, next) => {
    const result = await login(req);
    if (!result.ok) return problem(res, result.failure.status, TITLES[result.failure.status], result.failure.message, result.failure.headers);
    res.locals.user = result.user;
    next();
  };
}
