// A fixed DNS for SPF, DKIM and DMARC in tests: answers only from the table,
// ENOTFOUND for everything else, so no test ever reaches a real resolver.
import { generateKeyPairSync } from 'node:crypto';
import type { DnsResolver } from '../../src/smtp/authenticity.ts';

export type Records = Record<string, string[][] | string[]>;

export function fixedResolver(records: Records): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (name: string, type: string) => {
    const key = `${type.toUpperCase()} ${name.toLowerCase().replace(/\.$/, '')}`;
    asked.push(key);
    const found = records[key];
    if (found) return found;
    const err = new Error(`query${type} ENOTFOUND ${name}`) as Error & { code: string };
    err.code = 'ENOTFOUND';
    throw err;
  };
  return Object.assign(resolver, { asked });
}

/** A DKIM key pair: the private key for signing, the TXT record for the resolver. */
export function dkimKey(): { privateKey: string; record: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), record: `v=DKIM1; k=rsa; p=${spki}` };
}

/** The domains the tests send from, and how each is set up. */
export function testDns(dkim: { record: string }): Records {
  return {
    // Test users live at example.com: the test client (127.0.0.1) may send for it.
    'TXT example.com': [['v=spf1 ip4:127.0.0.1 ip6:::1 -all']],
    'TXT _dmarc.example.com': [['v=DMARC1; p=reject']],
    'TXT sel._domainkey.example.com': [[dkim.record]],
    // A partner without DMARC whose SPF allows us: authenticated by aligned SPF.
    'TXT partner.test': [['v=spf1 ip4:127.0.0.1 ip6:::1 -all']],
    // A domain that signs with DKIM but whose SPF does not list the client.
    'TXT signer.test': [['v=spf1 -all']],
    'TXT sel._domainkey.signer.test': [[dkim.record]],
    'TXT _dmarc.signer.test': [['v=DMARC1; p=reject']],
    // A domain forged by others: strict DMARC, SPF listing someone else.
    'TXT victim.test': [['v=spf1 ip4:192.0.2.1 -all']],
    'TXT _dmarc.victim.test': [['v=DMARC1; p=reject']],
    // A domain that only monitors: DMARC failure leaves mail unauthenticated, not spoofed.
    'TXT relaxed.test': [['v=spf1 ip4:192.0.2.1 ~all']],
    'TXT _dmarc.relaxed.test': [['v=DMARC1; p=none']],
    // A sender domain with no records at all (anyone may claim it, nobody is authenticated).
  };
}
