// onMailFrom: a new transaction starts (routes of an earlier one are
// forgotten) and the client IP's message rate is counted (450 4.7.1).
// A null sender (<>) is accepted: bounces to us are mail too, and the
// confirmation stage never answers them.
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { RobotDeps } from '../deps.ts';
import { reply, toSmtpError } from '../replies.ts';
import { routesOf } from '../session.ts';

export function onMailFrom(deps: RobotDeps) {
  return (_address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    routesOf(session).clear();
    deps.limits.message(session.remoteAddress).then(
      (ok) => callback(ok ? null : reply('tooManyMessages')),
      (err: unknown) => callback(toSmtpError(err, (e) => deps.log.error({ err: e }, 'rate limit check failed at MAIL FROM'))),
    );
  };
}
