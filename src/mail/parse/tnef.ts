// Outlook's TNEF (winmail.dat): the attachments and body it wraps, through
// node-tnef. That library has two habits we contain here: loading it
// replaces String.prototype.replaceAll process-wide with a regex version
// (which would break every caller passing "." or "+"), so it is loaded
// lazily with the original restored; and it logs through bunyan to stdout,
// so its synchronous decode runs with stdout muted.
import { createRequire } from 'node:module';

export interface Tnef {
  attachments: Array<{ name: string; content: Buffer }>;
  body: string | null;
}

type TnefModule = typeof import('node-tnef');

/** Larger blobs are not decoded: the library copies the rest of the buffer for every attribute. */
const MAX_TNEF_BYTES = 8 * 1024 * 1024;

let loaded: TnefModule | null = null;

function library(): TnefModule {
  if (!loaded) {
    const original = String.prototype.replaceAll;
    try {
      loaded = createRequire(import.meta.url)('node-tnef') as TnefModule;
    } finally {
      String.prototype.replaceAll = original;
    }
  }
  return loaded;
}

function text(value: number[] | string | undefined): string | null {
  if (value === undefined) return null;
  const s = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  const cleaned = s.replace(/\u0000/g, '').trim();
  return cleaned === '' ? null : cleaned;
}

/** The decoded TNEF, or null when it is not TNEF or cannot be read. */
export function decodeTnef(data: Buffer): Tnef | null {
  if (data.length < 6 || data.length > MAX_TNEF_BYTES || data.readUInt32LE(0) !== 0x223e9f78) return null;
  const tnef = library();
  let result: Tnef | null = null;
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    tnef.parseBuffer(data, (failed, decoded) => {
      if (failed || !decoded || decoded instanceof Error) return;
      result = {
        attachments: (decoded.Attachments ?? [])
          .filter((a) => a.Title && a.Data)
          .map((a) => ({ name: a.Title!, content: Buffer.from(a.Data!) })),
        body: text(decoded.Body) ?? text(decoded.BodyHTML),
      };
    });
  } catch {
    result = null;
  } finally {
    process.stdout.write = write;
  }
  return result;
}
