// Outlook's TNEF (winmail.dat): the attachments and body it wraps, through
// node-tnef. That library has two habits we contain here: loading it
// replaces String.prototype.replaceAll process-wide with a regex version
// (which would break every caller passing "." or "+"), so it is loaded
// lazily with the original restored; and it logs through bunyan to stdout,
// so its synchronous decode runs with stdout muted. And it copies the rest of
// its buffer once for every attribute it reads (time = bytes x attributes:
// 300 KB of 300 attributes took 37 s), so it is only ever given a blob cut
// down here to the few attributes Tidings reads (MS-OXTNEF 2.1.3: each
// attribute is level, id, length, data, checksum), within MAX_TNEF_DECODE_BYTES.
import { createRequire } from 'node:module';
import { MAX_CALENDAR_PARTS, MAX_TNEF_ATTRIBUTES, MAX_TNEF_BYTES, MAX_TNEF_DECODE_BYTES } from '../../consts.ts';
import { mimeLimit } from './structure.ts';

export interface Tnef {
  attachments: Array<{ name: string; content: Buffer }>;
  body: string | null;
}

type TnefModule = typeof import('node-tnef');

const SIGNATURE = 0x223e9f78;
const LEVEL_MESSAGE = 1;
const LEVEL_ATTACHMENT = 2;
// Attribute ids (MS-OXTNEF 2.1.3.2), as node-tnef reads them: the low 16 bits.
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_MAPI_PROPS = 0x9003;
const CALENDAR_NAME = /\.(ics|vcs)$/i;

interface Attribute {
  level: number;
  id: number;
  start: number;
  end: number;
  data: Buffer;
}

/** The attributes in order, or null when the blob is not well-formed TNEF. */
function attributes(data: Buffer): Attribute[] | null {
  const out: Attribute[] = [];
  let offset = 6;
  while (offset < data.length) {
    if (offset + 9 > data.length) return null;
    const length = data.readUInt32LE(offset + 5);
    const end = offset + 9 + length + 2;
    if (end > data.length) return null;
    if (out.length === MAX_TNEF_ATTRIBUTES) throw mimeLimit(`a winmail.dat holds more than ${MAX_TNEF_ATTRIBUTES} attributes`);
    out.push({ level: data[offset]!, id: data.readUInt32LE(offset + 1) & 0xffff, start: offset, end, data: data.subarray(offset + 9, offset + 9 + length) });
    offset = end;
  }
  return out;
}

/**
 * The blob with only what decodeTnef reads: each calendar file's start,
 * name and data, and the message's MAPI properties (the
 * body) when they fit. Beyond the limit with the calendar files alone, the
 * message is refused.
 */
function reduced(data: Buffer, attrs: Attribute[]): Buffer {
  const kept: Attribute[] = [];
  let attachment: Attribute[] = [];
  let calendar = false;
  let calendars = 0;
  const closeAttachment = () => {
    // Only calendar files are read: other attachments, and second names, are left out.
    if (calendar && ++calendars > MAX_CALENDAR_PARTS) throw mimeLimit(`a winmail.dat holds more than ${MAX_CALENDAR_PARTS} calendar files`);
    if (calendar) kept.push(...attachment);
    attachment = [];
    calendar = false;
  };
  let props: Attribute | null = null;
  for (const a of attrs) {
    if (a.level === LEVEL_ATTACHMENT && a.id === ATT_ATTACH_REND_DATA) {
      closeAttachment();
      attachment.push(a);
    } else if (a.level === LEVEL_ATTACHMENT && (a.id === ATT_ATTACH_TITLE || a.id === ATT_ATTACH_DATA)) {
      if (a.id === ATT_ATTACH_TITLE) {
        if (attachment.some((b) => b.id === ATT_ATTACH_TITLE)) continue;
        calendar = CALENDAR_NAME.test(a.data.toString('latin1').replace(/\u0000+$/, ''));
      }
      attachment.push(a);
    } else if (a.level === LEVEL_MESSAGE && a.id === ATT_MAPI_PROPS && props === null) {
      props = a;
    }
  }
  closeAttachment();
  const size = (list: Attribute[]) => list.reduce((n, a) => n + (a.end - a.start), 6);
  const withBody = props ? [props, ...kept] : kept;
  const chosen = size(withBody) <= MAX_TNEF_DECODE_BYTES ? withBody : kept;
  if (size(chosen) > MAX_TNEF_DECODE_BYTES) throw mimeLimit(`the calendar files in a winmail.dat are larger than ${MAX_TNEF_DECODE_BYTES} bytes`);
  chosen.sort((a, b) => a.start - b.start);
  return Buffer.concat([data.subarray(0, 6), ...chosen.map((a) => data.subarray(a.start, a.end))]);
}

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

/** The decoded TNEF, or null when it is not TNEF or cannot be read; throws InvalidInput beyond the limits. */
export function decodeTnef(data: Buffer): Tnef | null {
  if (data.length < 6 || data.readUInt32LE(0) !== SIGNATURE) return null;
  if (data.length > MAX_TNEF_BYTES) throw mimeLimit(`a winmail.dat is larger than ${MAX_TNEF_BYTES} bytes`);
  const attrs = attributes(data);
  if (!attrs) return null;
  data = reduced(data, attrs);
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
