// onData: the message in memory (at most MAX_MESSAGE_BYTES, as SIZE says),
// refused when it went over (552 5.3.4), else handed on by recipient kind:
// Tidings' own return addresses to the return-mail stage, collection
// addresses through the pipeline (inbound-message.ts). 250 comes only after
// the commit; any failure is mapped by the last-resort mapper (replies.ts).
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { RobotDeps } from '../deps.ts';
import { handleMessage, type MessageFacts } from '../inbound-message.ts';
import { reply, toSmtpError } from '../replies.ts';
import { acceptedRoutes } from '../session.ts';
import { takeReturnMail } from '../stages/return-mail.ts';

export function onData(deps: RobotDeps) {
  return (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('error', (err) => callback(toSmtpError(err, (e) => deps.log.error({ err: e }, 'DATA stream failed'))));
    stream.once('end', () => {
      if (stream.sizeExceeded) return callback(reply('tooBig', `the limit is ${deps.config.maxMessageBytes} bytes`));
      const { targets, returnMail } = acceptedRoutes(session);
      const facts: MessageFacts = {
        raw: Buffer.concat(chunks),
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        remoteAddress: session.remoteAddress,
        helo: session.hostNameAppearsAs ?? '',
        targets,
      };
      handleTransaction(deps, facts, returnMail).then(
        (text) => callback(null, text),
        (err: unknown) => callback(toSmtpError(err, (e) => deps.log.error({ err: e, messageSize: facts.raw.length }, 'message failed'))),
      );
    });
  };
}

/**
 * One reply for a transaction that may name both kinds of recipient. Return
 * mail is handled first (idempotent per message), then the collection
 * addresses; any temporary failure is the reply (the sender retries the
 * whole message: collection deliveries are exactly-once, return mail counts
 * once), else 250 when either part took it, as for partly refused
 * collection mail (inbound-message.ts).
 */
async function handleTransaction(deps: RobotDeps, facts: MessageFacts, returnMail: Parameters<typeof takeReturnMail>[2]): Promise<string> {
  if (returnMail.length === 0) return handleMessage(deps, facts);
  let returned: string;
  try {
    returned = await takeReturnMail(deps, facts.raw, returnMail);
  } catch (err) {
    // Never a permanent refusal for return mail: whatever went wrong, the reporting MTA retries.
    deps.log.error({ err, messageSize: facts.raw.length }, 'return mail failed');
    throw reply('tempFailure');
  }
  if (facts.targets.length === 0) return returned;
  try {
    return await handleMessage(deps, facts);
  } catch (err) {
    const failure = toSmtpError(err, (e) => deps.log.error({ err: e, messageSize: facts.raw.length }, 'message failed'));
    if (failure.temporary) throw failure;
    // Refused for every collection address (recorded for their owners); the return address took it.
    return `${returned} (refused for ${facts.targets.length} other address(es))`;
  }
}
