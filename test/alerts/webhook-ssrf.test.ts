// SSRF: every spelling of a non-public address is refused, as a URL literal
// (WHATWG URL parsing normalises decimal, octal, hex and short IPv4 forms
// first) and as a DNS answer, at registration and again at delivery, where
// the connection would go. Public addresses, also wrapped in IPv6 (mapped,
// NAT64, 6to4), stay allowed.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { postWebhook } from '../../src/jobs/webhook-post.ts';
import { createUser } from '../../src/domain/accounts.ts';
import { PUBLIC_ADDRESSES_ONLY } from '../../src/domain/webhooks/address-policy.ts';
import { registerWebhook, removeWebhook } from '../../src/domain/webhooks/webhooks.ts';
import { freshDatabase } from '../helpers/database.ts';
import { startHttpsReceiver, testGuard } from '../helpers/https-receiver.ts';
import { TEST_AUDIT, makeCollection } from '../helpers/world.ts';

const { store } = await freshDatabase('webhook_ssrf');
const ann = await createUser(store, { email: 'ann@example.com', password: 'correct horse battery' }, TEST_AUDIT);
const team = await makeCollection(store, ann, { name: 'Team' });
// A receiver on loopback: nothing may ever reach it through the production policy.
const receiver = await startHttpsReceiver();
after(() => receiver.close());

// DNS can answer anything, so names stand for addresses no URL literal needs.
const dns: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'hooks6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'nat64-public.example.com': ['64:ff9b::5db8:d822'],
  'compat.example.com': ['::7f00:1'],
  'nat64.example.com': ['64:ff9b::7f00:1'],
  'nat64-local-use.example.com': ['64:ff9b:1::a00:1'],
  'sixtofour.example.com': ['2002:c0a8:101::1'],
  'teredo.example.com': ['2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  'cgnat-metadata.example.com': ['100.100.100.200'],
  'mapped-metadata.example.com': ['::ffff:169.254.169.254'],
  'translated.example.com': ['::ffff:0:a00:1'],
  'public-then-private.example.com': ['93.184.216.34', '::ffff:0:7f00:1'],
};
const guard = testGuard(dns, PUBLIC_ADDRESSES_ONLY);

const refused: Array<[string, RegExp]> = [
  // IPv4 spellings; the WHATWG URL parser turns each into 127.0.0.1.
  ['https://2130706433/hook', /127\.0\.0\.1, a loopback address/],
  ['https://0177.0.0.1/hook', /127\.0\.0\.1, a loopback address/],
  ['https://0x7f.1/hook', /127\.0\.0\.1, a loopback address/],
  ['https://127.1/hook', /127\.0\.0\.1, a loopback address/],
  ['https://0x7f000001/hook', /127\.0\.0\.1, a loopback address/],
  ['https://017700000001/hook', /127\.0\.0\.1, a loopback address/],
  ['https://127.0.0.1./hook', /127\.0\.0\.1, a loopback address/],
  ['https://%31%32%37.0.0.1/hook', /127\.0\.0\.1, a loopback address/],
  ['https://０x7f.1/hook', /127\.0\.0\.1, a loopback address/],
  ['https://0/hook', /0\.0\.0\.0, a this-network address/],
  // IPv4 ranges (RFC 6890 and its updates).
  ['https://10.0.0.7/hook', /private/],
  ['https://172.16.5.4/hook', /private/],
  ['https://192.168.1.20/hook', /private/],
  ['https://100.64.0.1/hook', /shared \(carrier-grade NAT\)/],
  ['https://cgnat-metadata.example.com/hook', /100\.100\.100\.200, a shared \(carrier-grade NAT\)/],
  ['https://169.254.169.254/latest/meta-data', /link-local \(cloud metadata\)/],
  ['https://224.0.0.1/hook', /multicast/],
  ['https://240.0.0.1/hook', /reserved/],
  ['https://255.255.255.255/hook', /broadcast/],
  ['https://198.18.0.1/hook', /benchmarking/],
  ['https://192.0.2.1/hook', /documentation/],
  ['https://198.51.100.7/hook', /documentation/],
  ['https://203.0.113.9/hook', /documentation/],
  ['https://192.0.0.8/hook', /IETF protocol assignment/],
  // IPv6 ranges (RFC 4291 and the IANA special-purpose registry).
  ['https://[::]/hook', /::, an unspecified address/],
  ['https://[::1]/hook', /::1, a loopback address/],
  ['https://[0:0:0:0:0:0:0:1]/hook', /::1, a loopback address/],
  ['https://[fe80::1]/hook', /link-local/],
  ['https://[fd00:ec2::254]/hook', /unique local/],
  ['https://[fc00::5]/hook', /unique local/],
  ['https://[fec0::1]/hook', /site-local/],
  ['https://[ff02::1]/hook', /multicast/],
  ['https://[100::1]/hook', /discard/],
  ['https://[2001:2::1]/hook', /benchmarking/],
  ['https://[2001:db8::1]/hook', /documentation/],
  ['https://[3fff::1]/hook', /documentation/],
  ['https://[2001:1::1]/hook', /IETF protocol assignment/],
  ['https://[4000::1]/hook', /outside global unicast/],
  // IPv4 inside IPv6: the embedded address is what decides.
  ['https://[::127.0.0.1]/hook', /::7f00:1, a loopback \(127\.0\.0\.1 as IPv4-compatible/],
  ['https://[::7f00:1]/hook', /loopback \(127\.0\.0\.1 as IPv4-compatible/],
  ['https://[::10.0.0.1]/hook', /private \(10\.0\.0\.1 as IPv4-compatible/],
  ['https://[::93.184.216.34]/hook', /IPv4-compatible/],
  ['https://compat.example.com/hook', /loopback \(127\.0\.0\.1 as IPv4-compatible/],
  ['https://[::ffff:127.0.0.1]/hook', /loopback \(127\.0\.0\.1 as IPv4-mapped/],
  ['https://[0:0:0:0:0:ffff:7f00:1]/hook', /loopback \(127\.0\.0\.1 as IPv4-mapped/],
  ['https://mapped-metadata.example.com/hook', /link-local \(cloud metadata\) \(169\.254\.169\.254 as IPv4-mapped/],
  ['https://[::ffff:0:127.0.0.1]/hook', /loopback \(127\.0\.0\.1 as IPv4-translated/],
  ['https://translated.example.com/hook', /private \(10\.0\.0\.1 as IPv4-translated/],
  ['https://[64:ff9b::127.0.0.1]/hook', /loopback \(127\.0\.0\.1 via NAT64/],
  ['https://nat64.example.com/hook', /loopback \(127\.0\.0\.1 via NAT64/],
  ['https://[64:ff9b::a9fe:a9fe]/hook', /cloud metadata\) \(169\.254\.169\.254 via NAT64/],
  ['https://[64:ff9b:1::a00:1]/hook', /local-use NAT64/],
  ['https://nat64-local-use.example.com/hook', /local-use NAT64/],
  ['https://[2002:7f00:1::1]/hook', /loopback \(127\.0\.0\.1 via 6to4/],
  ['https://[2002:a9fe:a9fe::1]/hook', /cloud metadata\) \(169\.254\.169\.254 via 6to4/],
  ['https://sixtofour.example.com/hook', /private \(192\.168\.1\.1 via 6to4/],
  ['https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook', /Teredo .*127\.0\.0\.1/],
  ['https://teredo.example.com/hook', /Teredo .*192\.0\.2\.45/],
  // One bad answer among good ones is enough.
  ['https://public-then-private.example.com/hook', /loopback \(127\.0\.0\.1 as IPv4-translated/],
];

const allowed = [
  'https://hooks.example.com/hook',
  'https://93.184.216.34/hook',
  'https://1572395042/hook', // 93.184.216.34 spelled as one number
  'https://hooks6.example.com/hook',
  'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  'https://[::ffff:93.184.216.34]/hook',
  'https://[64:ff9b::93.184.216.34]/hook',
  'https://nat64-public.example.com/hook',
  'https://[2002:5db8:d822::1]/hook',
];

describe('webhook targets: only public addresses, however they are spelled', () => {
  for (const [url, why] of refused) {
    it(`refuses ${url} at registration and stores nothing`, async () => {
      await assert.rejects(
        registerWebhook(store, ann.id, team.id, url, guard, TEST_AUDIT),
        (err: Error & { reason?: string }) => err.name === 'InvalidInput' && why.test(err.message) && /only reach public addresses/.test(err.message),
      );
      assert.equal(await store.db.webhook.count(), 0);
    });

    it(`refuses ${url} at delivery, for good, without connecting`, async () => {
      const before = receiver.received.length;
      const result = await postWebhook({ deliveryId: 1n, url, secret: 's', payload: '{}' }, { guard, timeoutMs: 2000, now: new Date() });
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.permanent, JSON.stringify(result));
      assert.match(!result.ok ? result.error : '', why);
      assert.equal(receiver.received.length, before);
    });
  }

  for (const url of allowed) {
    it(`accepts ${url}`, async () => {
      await registerWebhook(store, ann.id, team.id, url, guard, TEST_AUDIT);
      await removeWebhook(store, ann.id, team.id, TEST_AUDIT);
    });
  }

  it('refuses what is not an address at all', () => {
    for (const junk of ['', 'localhost', '127.0.0.1 ', '0177.0.0.1', '2130706433', '::1%lo', 'fe80::1%eth-0.5', '1.2.3.4/8']) {
      assert.notEqual(PUBLIC_ADDRESSES_ONLY.refuse(junk), null, junk);
    }
  });
});
