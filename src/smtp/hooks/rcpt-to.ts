// onRcptTo: routing through the submission-address table. No relaying,
// ever: a recipient not in the table is unknown (550 5.1.1). The too-many-
// recipients limit (452 4.5.3) is smtp-server's maxRecipients. Tidings' own
// return addresses (bounces+<token>@, unsubscribe+<token>@) are accepted
// here with their own route; the recipient is kept as given, +token and all,
// because the handler at DATA needs the token (the lookup ignores it).
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { routeRecipient } from '../../domain/routing.ts';
import type { RobotDeps } from '../deps.ts';
import { reply, toSmtpError } from '../replies.ts';
import { routesOf } from '../session.ts';

export function onRcptTo(deps: RobotDeps) {
  return (address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    routeRecipient(deps.store, address.address).then(
      (routing) => {
        switch (routing.verdict) {
          case 'deliver':
          case 'return-mail':
            routesOf(session).set(address.address.toLowerCase(), routing);
            return callback();
          case 'unknown':
            return callback(reply('unknownRecipient'));
          case 'disabled':
            return callback(reply('disabled', routing.reason));
          case 'over-quota':
            return callback(reply('overQuota'));
        }
      },
      (err: unknown) => callback(toSmtpError(err, (e) => deps.log.error({ err: e }, 'recipient lookup failed'))),
    );
  };
}
