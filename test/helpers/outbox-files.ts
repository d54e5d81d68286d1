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
 * The .eml file names in `dir` in the order their messages were queued: by
 * the outbox id in <UTC second>-<outbox id>-<kind>.eml
 * (src/mail/outgoing/outbox/eml-files.ts), as a number (it is not
 * zero-padded: as text 10 sorts before 9), not by the second they were sent.
 */
export function emlFileNames(dir: string): string[] {
  const id = (f: string) => {
    const part = f.split('-')[1] ?? '';
    return /^\d+$/.test(part) ? BigInt(part) : 0n;
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort((a, b) => {
      const x = id(a);
      const y = id(b);
      if (x !== y) return x < y ? -1 : 1;
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
