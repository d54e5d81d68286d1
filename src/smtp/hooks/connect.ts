// onConnect: the per-client-IP connection rate (421 4.7.0, and smtp-server
// closes the connection).
import type { SMTPServerSession } from 'smtp-server';
import type { RobotDeps } from '../deps.ts';
import { reply, toSmtpError } from '../replies.ts';

export function onConnect(deps: RobotDeps) {
  return (session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    deps.limits.connection(session.remoteAddress).then(
      (ok) => callback(ok ? null : reply('tooManyConnections')),
      (err: unknown) => callback(toSmtpError(err, (e) => deps.log.error({ err: e }, 'rate limit check failed at connect'))),
    );
  };
}
