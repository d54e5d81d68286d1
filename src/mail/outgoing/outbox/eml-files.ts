// Messages as .eml files (OUTBOUND_SMTP_URL unset): one file per outbox row,
// written under a temporary name and renamed, so a reader never sees half a
// message. Return-Path is what the final MTA would add from the envelope.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeEml(dir: string, mail: { id: bigint; kind: string }, returnPath: string, raw: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const name = `${stamp}-${mail.id}-${mail.kind.replace(/[^a-z0-9-]/gi, '')}.eml`;
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, Buffer.concat([Buffer.from(`Return-Path: <${returnPath}>\r\n`), raw]));
  await rename(tmp, file);
  return file;
}
