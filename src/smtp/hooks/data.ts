// onData: the message in memory (at most MAX_MESSAGE_BYTES, as SIZE says),
// refused when it went over (552 5.3.4), else through the pipeline
// (inbound-message.ts). 250 comes only after the commit; any failure is
// mapped by the last-resort mapper (replies.ts).
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { RobotDeps } from '../deps.ts';
import { handleMessage } from '../inbound-message.ts';
import { reply, toSmtpError } from '../replies.ts';
import { acceptedRoutes } from '../session.ts';

export function onData(deps: RobotDeps) {
  return (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('error', (err) => callback(toSmtpError(err, (e) => deps.log.error({ err: e }, 'DATA stream failed'))));
    stream.once('end', () => {
      if (stream.sizeExceeded) return callback(reply('tooBig', `the limit is ${deps.config.maxMessageBytes} bytes`));
      const facts = {
        raw: Buffer.concat(chunks),
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        remoteAddress: session.remoteAddress,
        helo: session.hostNameAppearsAs ?? '',
        targets: acceptedRoutes(session),
      };
      handleMessage(deps, facts).then(
        (text) => callback(null, text),
        (err: unknown) => callback(toSmtpError(err, (e) => deps.log.error({ err: e, messageSize: facts.raw.length }, 'message failed'))),
      );
    });
  };
}
