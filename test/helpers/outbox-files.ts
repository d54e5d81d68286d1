// The one reader of a test's temporary outbox folder (the .eml mailer,
// OUTBOUND_SMTP_URL unset), in the order the files were written.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface EmlFile {
  file: string;
  raw: string;
  mail: ParsedMail;
}

/**
 * The .eml file names in `dir`, sorted by name: <UTC second>-<outbox id>-<kind>.eml
 * (src/mail/outgoing/outbox/eml-files.ts), so by the second written, then by
 * the outbox id as a number (the id is not zero-padded: as text 10 sorts before 9).
 */
export function emlFileNames(dir: string): string[] {
  const key = (f: string) => {
    const [stamp = '', id = '0'] = f.split('-');
    return { stamp, id: /^\d+$/.test(id) ? BigInt(id) : 0n };
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x.stamp !== y.stamp) return x.stamp < y.stamp ? -1 : 1;
      if (x.id !== y.id) return x.id < y.id ? -1 : 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
}

/** The .eml files in `dir` (those not named in `except`), read and parsed, in emlFileNames' order. */
export async function readEmlFiles(dir: string, except: ReadonlySet<string> = new Set()): Promise<EmlFile[]> {
  return Promise.all(
    emlFileNames(dir)
      .filter((f) => !except.has(f))
      .map(async (f) => {
        const raw = readFileSync(path.join(dir, f), 'utf8');
        return { file: f, raw, mail: await simpleParser(raw) };
      }),
  );
}
