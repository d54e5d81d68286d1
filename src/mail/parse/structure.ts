// A message's MIME structure held to its limits (consts.ts) in one streaming
// pass of mailsplit, the splitter mailparser itself runs, before anything is
// decoded: nesting depth, number of parts, and each part's header block (its
// size and its number of fields). Bodies stream through untouched, so the
// pass is linear in the message's size. Beyond a limit the message is
// refused (InvalidInput: 554 5.6.0 with the reason), never half-read.
import { Splitter } from '@zone-eu/mailsplit';
import { MAX_MIME_DEPTH, MAX_MIME_HEADER_BYTES, MAX_MIME_HEADER_FIELDS, MAX_MIME_PARTS } from '../../consts.ts';
import { InvalidInput } from '../../domain/errors.ts';

/** mailsplit's own limits, in the messages it fails with: said in our words. */
const SPLITTER_LIMITS: Array<[RegExp, string]> = [
  [/child nodes/i, `the message has more than ${MAX_MIME_PARTS} MIME parts`],
  [/header size/i, `a MIME part's header is larger than ${MAX_MIME_HEADER_BYTES} bytes`],
];

export function mimeLimit(reason: string): InvalidInput {
  return new InvalidInput(`the message is beyond a limit: ${reason}`, 'mime-limit');
}

/** The splitter's options that bound its work; mailparser passes the same ones on to its own splitter. */
export const SPLITTER_OPTIONS = { maxHeadSize: MAX_MIME_HEADER_BYTES, maxChildNodes: MAX_MIME_PARTS };

/** Resolves when the structure is within the limits; rejects with InvalidInput otherwise. */
export function checkMimeStructure(raw: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const splitter = new Splitter(SPLITTER_OPTIONS);
    const depths = new WeakMap<object, number>();
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      splitter.destroy();
      reject(err);
    };
    splitter.on('data', (data) => {
      if (data.type !== 'node' || failed) return;
      // An attached message/rfc822 appears as its container node and then its own root: both count.
      const depth = data.parentNode ? (depths.get(data.parentNode) ?? 0) + 1 : 0;
      depths.set(data, depth);
      if (depth > MAX_MIME_DEPTH) return fail(mimeLimit(`MIME parts nest more than ${MAX_MIME_DEPTH} deep`));
      const fields = data.headers ? data.headers.getList().length : 0;
      if (fields > MAX_MIME_HEADER_FIELDS) return fail(mimeLimit(`a MIME part has more than ${MAX_MIME_HEADER_FIELDS} header fields`));
    });
    // The typings name only 'data'; the splitter is a Transform stream with every other event too.
    const stream = splitter as unknown as NodeJS.EventEmitter;
    stream.once('error', (err: Error) => {
      const known = SPLITTER_LIMITS.find(([pattern]) => pattern.test(err.message));
      fail(known ? mimeLimit(known[1]) : new InvalidInput(`the message could not be read as MIME (${err.message})`, 'unreadable-mime'));
    });
    stream.once('end', () => {
      if (!failed) resolve();
    });
    splitter.end(raw);
  });
}
