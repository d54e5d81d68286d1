// Which network addresses a webhook may reach. A user-supplied URL must not
// turn the service into a proxy into its own network (SSRF): loopback,
// private (RFC 1918), shared (RFC 6598), link-local (where cloud metadata
// lives, 169.254.169.254), unique-local IPv6 (RFC 4193, also AWS's
// fd00:ec2::254), multicast, documentation and reserved ranges are refused,
// including IPv4 hidden in IPv6 (mapped, NAT64, 6to4). The policy is checked
// at registration and again, on the resolved address actually connected to,
// at every delivery (DNS rebinding). It is injected, never configured: the
// service always runs with PUBLIC_ADDRESSES_ONLY, and only a test that builds
// its own AddressPolicy can let a loopback receiver through.
import { BlockList, isIP } from 'node:net';

export interface AddressPolicy {
  /** Why connecting to `ip` is refused, or null when it is allowed. */
  refuse(ip: string): string | null;
}

const blocked = new BlockList();
const V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];
for (const [net, prefix] of V4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of V6) blocked.addSubnet(net, prefix, 'ipv6');

function v4Reason(ip: string): string | null {
  if (!blocked.check(ip, 'ipv4')) return null;
  const hit = V4.find(([net, prefix]) => {
    const one = new BlockList();
    one.addSubnet(net, prefix, 'ipv4');
    return one.check(ip, 'ipv4');
  });
  return hit ? hit[2] : 'reserved';
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedV4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const groups = expand(lower);
  if (!groups) return null;
  const toV4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return toV4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return toV4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return toV4(groups[1]!, groups[2]!);
  return null;
}

function expand(ip: string): number[] | null {
  if (ip.includes('.')) return null;
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t];
  return all.length === 8 ? all.map((g) => parseInt(g || '0', 16)) : null;
}

export const PUBLIC_ADDRESSES_ONLY: AddressPolicy = {
  refuse(ip) {
    const family = isIP(ip);
    if (family === 4) return v4Reason(ip);
    if (family !== 6) return 'not an IP address';
    const v4 = embeddedV4(ip);
    if (v4) return v4Reason(v4);
    if (!blocked.check(ip, 'ipv6')) return null;
    const hit = V6.find(([net, prefix]) => {
      const one = new BlockList();
      one.addSubnet(net, prefix, 'ipv6');
      return one.check(ip, 'ipv6');
    });
    return hit ? hit[2] : 'reserved';
  },
};
