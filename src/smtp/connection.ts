// Two small corrections to smtp-server, kept in one place:
//
// 1. Enhanced status codes (RFC 3463). smtp-server derives the enhanced code
//    of a hook's error from its reply code alone (550 -> 5.1.1), so a 550
//    5.2.1 or 554 5.4.6 cannot be expressed, and writing the code into the
//    text doubles it ("550 5.1.1 5.2.1 ..."). Our replies carry their code at
//    the start of the text (replies.ts); the connection below sends such a
//    text as is.
// 2. A cap on commands per connection, which smtp-server lacks (it only
//    counts unrecognised and unauthenticated commands): a client that keeps
//    one session busy forever gets 421 4.7.0 and is disconnected.
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { REPLIES } from './replies.ts';

const STARTS_WITH_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

class TidingsConnection extends SMTPConnection {
  private commands = 0;

  constructor(
    server: TidingsSmtpServer,
    socket: net.Socket | tls.TLSSocket,
    options: SMTPConnectionOptions | null | undefined,
    private readonly maxCommands: number,
  ) {
    super(server, socket, options);
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === 'string' && STARTS_WITH_ENHANCED_CODE.test(data)) return super.send(code, data, false);
    return super.send(code, data, context);
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    if (this.maxCommands > 0 && ++this.commands > this.maxCommands) {
      const r = REPLIES.tooManyCommands;
      this.send(r.code, `${r.enhanced} ${r.text}`);
      return;
    }
    super._onCommand(command, callback);
  }
}

export class TidingsSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly maxCommandsPerConnection: number,
  ) {
    super(options);
  }

  // Same as SMTPServer.connect, with our connection class.
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new TidingsConnection(this, socket, socketOptions, this.maxCommandsPerConnection);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}
