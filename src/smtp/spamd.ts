// A SPAMC/1.5 client for SpamAssassin's spamd (no maintained npm client
// exists). One connection per request, as spamc does: spamd answers and
// closes. Replies start with "SPAMD/<version> <code> <message>", where the
// version varies (PING answers SPAMD/1.5, CHECK and SYMBOLS SPAMD/1.1);
// scores can be negative (ham); only SYMBOLS has a body.
import net from 'node:net';

export interface SpamReport {
  isSpam: boolean;
  score: number;
  /** spamd's own required score, for the trace; Tidings applies its own thresholds. */
  threshold: number;
  symbols: string[];
}

/** spamd could not be asked or did not answer properly: a temporary condition. */
export class SpamdUnavailable extends Error {
  override name = 'SpamdUnavailable';
}

const STATUS = /^SPAMD\/\d+\.\d+ (\d+) (.*)$/;
const SPAM_HEADER = /^Spam:\s*(True|False|Yes|No)\s*;\s*(-?\d+(?:\.\d+)?)\s*\/\s*(-?\d+(?:\.\d+)?)\s*$/im;

export class SpamdClient {
  private readonly target: { path: string } | { host: string; port: number };

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    const parsed = new URL(url);
    this.target = parsed.protocol === 'unix:' ? { path: decodeURIComponent(parsed.pathname) } : { host: parsed.hostname, port: Number(parsed.port || 783) };
  }

  async ping(): Promise<void> {
    const { status } = await this.request('PING', null);
    if (!/PONG/.test(status)) throw new SpamdUnavailable(`spamd answered PING with "${status}"`);
  }

  /** Score and rule names (SYMBOLS): the message is scanned, never changed. */
  async check(message: Buffer): Promise<SpamReport> {
    const { headers, body } = await this.request('SYMBOLS', message);
    const spam = SPAM_HEADER.exec(headers);
    if (!spam) throw new SpamdUnavailable('spamd gave no Spam header');
    return {
      isSpam: /^(true|yes)$/i.test(spam[1]!),
      score: Number(spam[2]),
      threshold: Number(spam[3]),
      symbols: body.split(',').map((s) => s.trim()).filter(Boolean),
    };
  }

  private request(command: string, message: Buffer | null): Promise<{ status: string; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(new SpamdUnavailable(`spamd: ${why}`));
      };
      const socket = net.connect(this.target);
      socket.setTimeout(this.timeoutMs, () => fail(`no answer within ${this.timeoutMs} ms`));
      socket.on('error', (err) => fail(err.message));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => {
        if (settled) return;
        settled = true;
        socket.destroy();
        try {
          resolve(parseResponse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      socket.on('connect', () => {
        const head = message === null ? `${command} SPAMC/1.5\r\n\r\n` : `${command} SPAMC/1.5\r\nContent-length: ${message.length}\r\n\r\n`;
        socket.write(head);
        if (message !== null) socket.write(message);
        // Half-close: spamd reads to Content-length, and our side is done.
        socket.end();
      });
    });
  }
}

function parseResponse(text: string): { status: string; headers: string; body: string } {
  const lineEnd = text.indexOf('\r\n');
  const statusLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const status = STATUS.exec(statusLine.trim());
  if (!status) throw new SpamdUnavailable(`spamd answered "${statusLine.slice(0, 80)}"`);
  if (status[1] !== '0') throw new SpamdUnavailable(`spamd refused the request: ${status[1]} ${status[2]}`);
  const rest = lineEnd === -1 ? '' : text.slice(lineEnd + 2);
  const split = rest.indexOf('\r\n\r\n');
  return { status: status[2]!, headers: split === -1 ? rest : rest.slice(0, split), body: split === -1 ? '' : rest.slice(split + 4) };
}
