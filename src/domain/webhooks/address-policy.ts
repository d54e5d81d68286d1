// Which network addresses a webhook may reach. A user-supplied URL must not
// turn the service into a proxy into its own network (SSRF). Only public
// unicast addresses pass; everything in the IANA special-purpose registries
// (RFC 6890 and its updates) is refused: loopback, private (RFC 1918), shared
// (RFC 6598), link-local (where cloud metadata lives, 169.254.169.254),
// unique-local IPv6 (RFC 4193, also AWS's fd00:ec2::254), multicast,
// documentation, benchmarking, broadcast and reserved ranges, and IPv6
// outside global unicast 2000::/3 (RFC 4291 §2.4).
//
// An IPv6 address can carry an IPv4 one, and a kernel or a NAT64 gateway
// will deliver to that IPv4 address: the embedded address decides
// (IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96 of RFC 6145,
// NAT64 64:ff9b::/96 of RFC 6052, 6to4 2002::/16 of RFC 3056). Forms with no
// legitimate use for a webhook are refused whatever they carry:
// IPv4-compatible ::/96 (deprecated, RFC 4291 §2.5.5.1), local-use NAT64
// 64:ff9b:1::/48 (RFC 8215, not globally reachable, and its IPv4 sits where
// the local operator chose) and Teredo 2001::/32 (RFC 4380, a tunnel to
// whatever client address it names).
//
// Parsing and range matching are ipaddr.js's; only canonical address text
// (what getaddrinfo and the WHATWG URL parser produce, checked with
// node:net isIP) is parsed, so no odd spelling reaches the classifier.
//
// The policy is checked at registration and again, on the resolved address
// actually connected to, at every delivery (DNS rebinding). It is injected,
// never configured: the service always runs with PUBLIC_ADDRESSES_ONLY, and
// only a test that builds its own AddressPolicy can let a loopback receiver
// through.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** Why connecting to `ip` is refused, or null when it is allowed. */
  refuse(ip: string): string | null;
}

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** Names for ipaddr.js's IPv4 ranges, as they read in a refusal. */
const V4_NAMES: Record<string, string> = {
  unspecified: 'this-network',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local (cloud metadata)',
  loopback: 'loopback',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  private: 'private',
  as112: 'AS112 DNS sink',
  amt: 'AMT relay',
};

/** ipaddr.js folds these into "reserved"; the refusal names the one it is. */
const V4_RESERVED = ranges({
  'IETF protocol assignment': ['192.0.0.0/24'],
  documentation: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
  '6to4 relay anycast': ['192.88.99.0/24'],
  benchmarking: ['198.18.0.0/15'],
});

const V6_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local (deprecated)',
  discard: 'discard-only (RFC 6666)',
  benchmarking: 'benchmarking',
  amt: 'AMT relay',
  as112v6: 'AS112 DNS sink',
  deprecatedOrchid: 'ORCHID (deprecated)',
  orchid2: 'ORCHIDv2 (not routable)',
  droneRemoteIdProtocolEntityTags: 'DRIP entity tag (not routable)',
  segmentRouting: 'segment-routing SID',
};

const V6_RESERVED = ranges({
  documentation: ['2001:db8::/32', '3fff::/20'],
  'IETF protocol assignment': ['2001::/23'],
});
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

type RangeList = Parameters<typeof ipaddr.subnetMatch>[1];

function ranges(table: Record<string, string[]>): RangeList {
  return Object.fromEntries(Object.entries(table).map(([name, cidrs]) => [name, cidrs.map((c) => ipaddr.parseCIDR(c))]));
}

function v4Reason(v4: IPv4): string | null {
  const range = v4.range();
  if (range === 'unicast') return null;
  if (range === 'reserved') return ipaddr.subnetMatch(v4, V4_RESERVED, 'reserved');
  return V4_NAMES[range] ?? range;
}

/** The IPv4 address in the last 32 bits of an IPv6 address (or, with `at`, from that 16-bit group on). */
function v4At(v6: IPv6, at = 6, xor = 0): IPv4 {
  const [hi, lo] = [v6.parts[at]! ^ xor, v6.parts[at + 1]! ^ xor];
  return new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
}

/** Refuses an embedded IPv4 address that is not public, naming how it was carried. */
function carried(v4: IPv4, how: string): string | null {
  const why = v4Reason(v4);
  return why ? `${why} (${v4.toString()} ${how})` : null;
}

function v6Reason(v6: IPv6): string | null {
  const range = v6.range();
  switch (range) {
    case 'ipv4Mapped':
      return carried(v6.toIPv4Address(), 'as IPv4-mapped');
    case 'rfc6145':
      return carried(v4At(v6), 'as IPv4-translated');
    case 'rfc6052':
      if (v6.match(NAT64_WELL_KNOWN)) return carried(v4At(v6), 'via NAT64');
      return 'local-use NAT64 (RFC 8215)';
    case '6to4':
      return carried(v4At(v6, 1), 'via 6to4');
    case 'teredo':
      // RFC 4380 §4: the client's IPv4 address is the last 32 bits, inverted.
      return `Teredo tunnel (to client ${v4At(v6, 6, 0xffff).toString()})`;
    case 'reserved':
      return ipaddr.subnetMatch(v6, V6_RESERVED, 'reserved');
    case 'unicast':
      break;
    default:
      return V6_NAMES[range] ?? range;
  }
  if (v6.parts.slice(0, 6).every((p) => p === 0)) {
    // Refused even when what it carries is public: nothing should use it.
    const v4 = v4At(v6);
    return carried(v4, 'as IPv4-compatible, deprecated by RFC 4291 §2.5.5.1') ?? `IPv4-compatible (deprecated by RFC 4291 §2.5.5.1; carries ${v4.toString()})`;
  }
  if (!v6.match(GLOBAL_UNICAST)) return 'reserved (outside global unicast 2000::/3)';
  return null;
}

export const PUBLIC_ADDRESSES_ONLY: AddressPolicy = {
  refuse(ip) {
    const family = isIP(ip);
    if (family === 0) return 'not an IP address';
    if (family === 4) return v4Reason(ipaddr.IPv4.parse(ip));
    let v6: IPv6;
    try {
      v6 = ipaddr.IPv6.parse(ip);
    } catch {
      return 'not an IP address'; // a zone index ipaddr.js cannot read
    }
    return v6Reason(v6);
  },
};
