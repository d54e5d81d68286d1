// A local HTTPS webhook receiver with a self-signed certificate for
// "hooks.test" (test/fixtures/webhook-receiver-*.pem, valid until 2126), and
// the test-only webhook guard that lets deliveries reach it. Production
// cannot enable this: the service always builds its guard from
// PUBLIC_ADDRESSES_ONLY (src/jobs/context.ts, src/web-server.ts) and no
// configuration variable changes that; only code that passes this guard in,
// as these tests do, can reach a loopback address.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { PUBLIC_ADDRESSES_ONLY, type AddressPolicy } from '../../src/domain/webhooks/address-policy.ts';
import type { Resolve, WebhookGuard } from '../../src/domain/webhooks/webhooks.ts';
import { fixture } from './fixtures.ts';

export const RECEIVER_CERT = fixture('webhook-receiver-cert.pem');
const RECEIVER_KEY = fixture('webhook-receiver-key.pem');

export interface ReceivedHook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpsReceiver {
  port: number;
  url: string;
  received: ReceivedHook[];
  /** Status to answer the n-th request with (1-based); default 200. */
  status: (n: number) => number;
  close(): Promise<void>;
}

export async function startHttpsReceiver(): Promise<HttpsReceiver> {
  let count = 0;
  const receiver: HttpsReceiver = { port: 0, url: '', received: [], status: () => 200, close: async () => undefined };
  const server = https.createServer({ key: RECEIVER_KEY, cert: RECEIVER_CERT }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count++;
      receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = receiver.status(count);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `https://hooks.test:${receiver.port}/tidings`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Test only: 127.0.0.1 is allowed, everything else as in production. */
export const TEST_ONLY_LOOPBACK_POLICY: AddressPolicy = {
  refuse: (ip) => (ip === '127.0.0.1' ? null : PUBLIC_ADDRESSES_ONLY.refuse(ip)),
};

/** A resolver from a fixed table, so no test depends on real DNS. */
export function fixedResolver(table: Record<string, string[]>): Resolve {
  return async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

export function testGuard(table: Record<string, string[]>, policy: AddressPolicy = TEST_ONLY_LOOPBACK_POLICY): WebhookGuard {
  return { policy, resolve: fixedResolver(table) };
}
