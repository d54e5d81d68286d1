// What the robot keeps per SMTP transaction beside smtp-server's session:
// the routing of each accepted recipient, found at RCPT TO and used at DATA.
import type { SMTPServerSession } from 'smtp-server';
import type { RoutedAddress } from '../domain/routing.ts';

const routes = new WeakMap<SMTPServerSession, Map<string, RoutedAddress>>();

export function routesOf(session: SMTPServerSession): Map<string, RoutedAddress> {
  let map = routes.get(session);
  if (!map) {
    map = new Map();
    routes.set(session, map);
  }
  return map;
}

/** The accepted recipients' routes, one per submission address (two spellings of one address count once). */
export function acceptedRoutes(session: SMTPServerSession): Array<{ rcptTo: string; address: RoutedAddress }> {
  const map = routesOf(session);
  const seen = new Set<bigint>();
  const out: Array<{ rcptTo: string; address: RoutedAddress }> = [];
  for (const rcpt of session.envelope.rcptTo) {
    const address = map.get(rcpt.address.toLowerCase());
    if (!address || seen.has(address.addressId)) continue;
    seen.add(address.addressId);
    out.push({ rcptTo: rcpt.address, address });
  }
  return out;
}

export function clientAddress(session: SMTPServerSession): string {
  return session.remoteAddress ?? '';
}
