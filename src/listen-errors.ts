// A listener that cannot open its socket, told in one line that names the
// setting to change (HTTP_PORT, SMTP_PORT, BIND_ADDRESS) instead of a stack
// trace. main.ts wraps each listen; the command line prints the message.

export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** The operating system's refusal to listen, as a ListenError naming `variable`; null for anything else. */
export function describeListenError(err: unknown, variable: string, port: number, address: string): ListenError | null {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`${variable} ${port} is already in use (EADDRINUSE): set ${variable} to a free port or stop the other process`, code);
    case 'EACCES':
      return new ListenError(
        `${variable} ${port} may not be opened by this user (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE; set ${variable} to 1024 or above`,
        code,
      );
    case 'EADDRNOTAVAIL':
      return new ListenError(
        `BIND_ADDRESS ${address} is not an address of this machine (EADDRNOTAVAIL): set BIND_ADDRESS to one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all`,
        code,
      );
    default:
      return null;
  }
}

/** Runs `start` (a server's listen) and turns a refusal into a ListenError naming `variable`. */
export async function listenAs<T>(variable: string, port: number, address: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw describeListenError(err, variable, port, address) ?? err;
  }
}
