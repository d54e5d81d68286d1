// What the robot keeps per SMTP transaction beside smtp-server's session:
// the routing of each accepted recipient, found at RCPT TO and used at DATA.
import type { SMTPServerSession } from 'smtp-server';
import type { ReturnAddress, RoutedAddress } from '../domain/routing.ts';

/** An accepted recipient's route: a collection address, or one of Tidings' own return addresses. */
export type AcceptedRoute = { verdict: 'deliver'; address: RoutedAddress } | { verdict: 'return-mail'; address: ReturnAddress };

export interface AcceptedRecipients {
  /** Collection addresses, one per submission address (two spellings of one address count once). */
  targets: Array<{ rcptTo: string; address: RoutedAddress }>;
  /**
   * Return addresses, one per distinct recipient as given (the +token is the
   * whole point: bounces+a@ and bounces+b@ are two different messages' bounces).
   */
  returnMail: Array<{ rcptTo: string; address: ReturnAddress }>;
}

const routes = new WeakMap<SMTPServerSession, Map<string, AcceptedRoute>>();

export function routesOf(session: SMTPServerSession): Map<string, AcceptedRoute> {
  let map = routes.get(session);
  if (!map) {
    map = new Map();
    routes.set(session, map);
  }
  return map;
}

/** The accepted recipients' routes, split by what the robot does with them. */
export function acceptedRoutes(session: SMTPServerSession): AcceptedRecipients {
  const map = routesOf(session);
  const seen = new Set<bigint>();
  const seenReturn = new Set<string>();
  const out: AcceptedRecipients = { targets: [], returnMail: [] };
  for (const rcpt of session.envelope.rcptTo) {
    const key = rcpt.address.toLowerCase();
    const route = map.get(key);
    if (!route) continue;
    if (route.verdict === 'return-mail') {
      if (seenReturn.has(key)) continue;
      seenReturn.add(key);
      out.returnMail.push({ rcptTo: rcpt.address, address: route.address });
      continue;
    }
    if (seen.has(route.address.addressId)) continue;
    seen.add(route.address.addressId);
    out.targets.push({ rcptTo: rcpt.address, address: route.address });
  }
  return out;
}

export function clientAddress(session: SMTPServerSession): string {
  return session.remoteAddress ?? '';
}
