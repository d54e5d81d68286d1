// Reads the topmost Authentication-Results header (RFC 8601), the one a
// trusted relay in front of us added. Only called for mail from a trusted
// relay: anyone else's Authentication-Results is ignored, since a sender can
// write whatever it likes there.

/** The method results an authentication check yields, ours (authenticity.ts) or a trusted relay's. */
export interface AuthChecks {
  spf: string;
  spfDomain: string | null;
  dkim: Array<{ domain: string; result: string }>;
  dmarc: string;
  dmarcPolicy: string | null;
  arc: string;
}

export interface AuthResults extends AuthChecks {
  authservId: string;
}

function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

export function parseAuthenticationResults(raw: Buffer): AuthResults | null {
  const line = headerBlock(raw)
    .split(/\r?\n/)
    .find((l) => /^authentication-results\s*:/i.test(l));
  if (!line) return null;
  const value = line.slice(line.indexOf(':') + 1).replace(/\([^)]*\)/g, (c) => c.replace(/;/g, ','));
  const [authservId = '', ...clauses] = value.split(';').map((s) => s.trim());
  const ar: AuthResults = { authservId, spf: 'none', spfDomain: null, dkim: [], dmarc: 'none', dmarcPolicy: null, arc: 'none' };
  for (const clause of clauses) {
    const m = /^(spf|dkim|dmarc|arc)\s*=\s*([a-z]+)(.*)$/i.exec(clause);
    if (!m) continue;
    const method = m[1]!.toLowerCase();
    const result = m[2]!.toLowerCase();
    const prop = (name: string) => new RegExp(`${name.replace('.', '\\.')}\\s*=\\s*"?([^\\s;"]+)`, 'i').exec(m[3]!)?.[1] ?? null;
    if (method === 'spf') {
      ar.spf = result;
      const mailfrom = prop('smtp.mailfrom') ?? prop('smtp.helo');
      ar.spfDomain = mailfrom ? mailfrom.slice(mailfrom.lastIndexOf('@') + 1).toLowerCase() : null;
    } else if (method === 'dkim') {
      const d = prop('header.d') ?? prop('header.i')?.replace(/^.*@/, '') ?? null;
      if (d) ar.dkim.push({ domain: d.toLowerCase(), result });
    } else if (method === 'dmarc') {
      ar.dmarc = result;
      ar.dmarcPolicy = (/\bp=([a-z]+)/i.exec(m[3]!)?.[1] ?? prop('policy.dmarc'))?.toLowerCase() ?? null;
    } else {
      ar.arc = result;
    }
  }
  return ar;
}
