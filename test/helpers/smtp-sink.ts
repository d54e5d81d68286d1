// A real SMTP server (smtp-server) on a free port that records what it
// receives; tests script its answers (451 then 250, 550 ...) per message.
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

/** A reply to DATA: null accepts (250); otherwise the code and text to answer with. */
export type SinkAnswer = { code: number; message: string } | null;

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Decides the reply to each message; default accepts everything. */
  answer: (mail: ReceivedMail, attempt: number) => SinkAnswer;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const attempts = new Map<string, number>();
  const sink: SmtpSink = {
    port: 0,
    url: '',
    received: [],
    answer: () => null,
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        const key = /^message-id:\s*(.+)$/im.exec(mail.raw.toString('utf8'))?.[1]?.trim() ?? String(sink.received.length);
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const reply = sink.answer(mail, attempt);
        if (reply) {
          const err = new Error(reply.message) as Error & { responseCode: number };
          err.responseCode = reply.code;
          callback(err);
          return;
        }
        sink.received.push(mail);
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : 0;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
