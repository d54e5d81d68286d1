// MIME bombs: messages built to make a parser work far more than their size
// suggests (deep nesting, many tiny parts, many or huge headers, one giant
// line, huge HTML, a subject full of date phrases, a TNEF blob that makes
// node-tnef copy its buffer once per attribute, many calendar parts). Each
// stays under the default SIZE limit (25 MiB), so only the parse limits
// stand in its way. Used by test/hostile/mime-bombs.test.ts.
const CRLF = '\r\n';

function head(to: string, subject: string, extra: string[] = []): string[] {
  return [
    'From: Mallory <mallory@example.org>',
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <bomb-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}@example.org>`,
    'Date: Mon, 05 Jan 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    ...extra,
  ];
}

/** `depth` multiparts, each the only part of the one above it, around one text part. */
export function nestedMultiparts(to: string, depth: number): Buffer {
  const inner: string[] = [];
  const close: string[] = [];
  for (let i = 1; i < depth; i++) {
    inner.push(`Content-Type: multipart/mixed; boundary="n${i}"`, '', `--n${i}`);
    close.unshift(`--n${i}--`);
  }
  const top = head(to, 'nested', ['Content-Type: multipart/mixed; boundary="n0"']);
  return Buffer.from([...top, '', '--n0', ...inner, 'Content-Type: text/plain', '', 'deep inside', ...close, '--n0--', ''].join(CRLF));
}

/** One multipart/mixed with `count` tiny text parts. */
export function manyParts(to: string, count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push('--p', 'Content-Type: text/plain', '', `part ${i}`);
  return Buffer.from([...head(to, 'many parts', ['Content-Type: multipart/mixed; boundary="p"']), '', ...parts, '--p--', ''].join(CRLF));
}

/** `count` header fields before a short text body. */
export function manyHeaders(to: string, count: number): Buffer {
  const extra = Array.from({ length: count }, (_, i) => `X-Filler-${i % 100}: value ${i}`);
  return Buffer.from([...head(to, 'many headers', [...extra, 'Content-Type: text/plain']), '', 'hello', ''].join(CRLF));
}

/** One header field folded over many lines, `bytes` long. */
export function hugeHeader(to: string, bytes: number): Buffer {
  const folded = Array.from({ length: Math.ceil(bytes / 76) }, () => ' ' + 'x'.repeat(75)).join(CRLF);
  return Buffer.from([...head(to, 'huge header', [`X-Huge:${folded}`, 'Content-Type: text/plain']), '', 'hello', ''].join(CRLF));
}

/** A base64 attachment of `bytes` decoded bytes on a single line. */
export function giantBase64Line(to: string, bytes: number): Buffer {
  const b64 = Buffer.alloc(bytes, 0x41).toString('base64');
  return Buffer.from(
    [
      ...head(to, 'one line', ['Content-Type: multipart/mixed; boundary="g"']),
      '',
      '--g',
      'Content-Type: text/plain',
      '',
      'see attachment',
      '--g',
      'Content-Type: application/octet-stream; name="blob.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--g--',
      '',
    ].join(CRLF),
  );
}

/** An HTML-only message of about `bytes` of deeply nested markup (what html-to-text walks). */
export function hugeHtml(to: string, bytes: number): Buffer {
  const unit = '<div><table><tr><td><a href="https://example.org/x">link</a> text ';
  const n = Math.floor(bytes / (unit.length + 30));
  const html = `<html><body>${unit.repeat(n)}${'</td></tr></table></div>'.repeat(n)}</body></html>`;
  return Buffer.from([...head(to, '', ['Content-Type: text/html; charset=utf-8']), '', html, ''].join(CRLF));
}

/** A subject of `bytes` date phrases for chrono-node (folded as a header must be). */
export function longDateSubject(to: string, bytes: number): Buffer {
  const phrase = 'lunch on Friday at 12:30 or tomorrow 9am until next Tuesday 3pm-4pm, ';
  const words = phrase.repeat(Math.ceil(bytes / phrase.length)).split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length + w.length > 70) {
      lines.push(line);
      line = '';
    }
    line += (line ? ' ' : '') + w;
  }
  lines.push(line);
  return Buffer.from([...head(to, lines.join(`${CRLF} `), ['Content-Type: text/plain']), '', 'see subject', ''].join(CRLF));
}

/**
 * A winmail.dat (TNEF, MS-OXTNEF 2.1) of `attributes` empty attachment-level
 * attributes padded to `bytes`: node-tnef copies the rest of the buffer for
 * every attribute it reads.
 */
export function tnefBlob(attributes: number, bytes: number): Buffer {
  const parts: Buffer[] = [];
  const signature = Buffer.alloc(6);
  signature.writeUInt32LE(0x223e9f78, 0);
  signature.writeUInt16LE(0x0001, 4);
  parts.push(signature);
  const attribute = (level: number, id: number, data: Buffer) => {
    const h = Buffer.alloc(9);
    h.writeUInt8(level, 0);
    h.writeUInt32LE(id, 1);
    h.writeUInt32LE(data.length, 5);
    const sum = Buffer.alloc(2);
    let s = 0;
    for (const b of data) s = (s + b) & 0xffff;
    sum.writeUInt16LE(s, 0);
    return Buffer.concat([h, data, sum]);
  };
  // attAttachRendData starts an attachment; the rest are attAttachTitle values.
  parts.push(attribute(2, 0x00069002, Buffer.alloc(14)));
  let size = parts.reduce((n, p) => n + p.length, 0);
  const filler = Math.max(0, Math.floor((bytes - size) / attributes) - 11);
  for (let i = 0; i < attributes; i++) {
    const a = attribute(2, 0x00018010, Buffer.alloc(filler, 0x61));
    parts.push(a);
    size += a.length;
  }
  return Buffer.concat(parts);
}

export function withWinmail(to: string, tnef: Buffer): Buffer {
  return Buffer.from(
    [
      ...head(to, 'outlook invitation', ['Content-Type: multipart/mixed; boundary="w"']),
      '',
      '--w',
      'Content-Type: text/plain',
      '',
      'see attachment',
      '--w',
      'Content-Type: application/ms-tnef; name="winmail.dat"',
      'Content-Disposition: attachment; filename="winmail.dat"',
      'Content-Transfer-Encoding: base64',
      '',
      tnef.toString('base64').replace(/.{76}/g, `$&${CRLF}`),
      '--w--',
      '',
    ].join(CRLF),
  );
}

/** `count` text/calendar parts, each one small VEVENT with its own UID. */
export function manyCalendarParts(to: string, count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      '--c',
      'Content-Type: text/calendar; method=PUBLISH; charset=utf-8',
      '',
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Bomb//EN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      `UID:bomb-${i}@example.org`,
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260105T100000Z',
      `SUMMARY:event ${i}`,
      'END:VEVENT',
      'END:VCALENDAR',
    );
  }
  return Buffer.from([...head(to, 'many invitations', ['Content-Type: multipart/mixed; boundary="c"']), '', ...parts, '--c--', ''].join(CRLF));
}
