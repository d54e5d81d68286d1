// Delivery Status Notifications (RFC 3464): a multipart/report whose
// message/delivery-status part holds one block of per-message fields and one
// block per recipient (Final-Recipient, Action, Status, Diagnostic-Code).
// A small MIME walk of our own: mailparser drops message/delivery-status.
// RFC 6533's message/global-delivery-status (UTF-8) reads the same way.

export interface DsnRecipient {
  finalRecipient: string;
  /** failed, delayed, delivered, relayed, expanded (RFC 3464 2.3.3). */
  action: string;
  /** Enhanced status code (RFC 3463), e.g. "5.1.1". */
  status: string;
  diagnostic: string;
}

export interface DeliveryStatusReport {
  reportingMta: string;
  recipients: DsnRecipient[];
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitHead(text: string): Part {
  const normalized = text.replace(/\r\n/g, '\n');
  const end = normalized.search(/\n\n/);
  const head = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? '' : normalized.slice(end + 2);
  return { headers: fields(head), body };
}

/** "Name: value" lines, continuation lines unfolded (RFC 5322 2.2.3); names lower-cased. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && current) {
      out.set(current, `${out.get(current)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // The first occurrence wins: a DSN block names each field once.
    if (!out.has(current)) out.set(current, value);
    else current = null;
  }
  return out;
}

function param(header: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function decode(part: Part): string {
  const cte = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (cte === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = part.body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return part.body;
}

function findStatusPart(part: Part, depth = 0): string | null {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime === 'message/delivery-status' || mime === 'message/global-delivery-status') return decode(part);
  if (!mime.startsWith('multipart/') || depth > 4) return null;
  const boundary = param(type, 'boundary');
  if (!boundary) return null;
  const pieces = part.body.split(`--${boundary}`);
  // pieces[0] is the preamble; a piece starting "--" is the closing delimiter.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break;
    const found = findStatusPart(splitHead(piece.replace(/^[ \t]*\n/, '')), depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** "rfc822; Gone@Example.NET" -> "gone@example.net" (the address type is dropped). */
function address(value: string | undefined): string {
  const v = (value ?? '').trim();
  const semi = v.indexOf(';');
  return (semi >= 0 ? v.slice(semi + 1) : v).trim().replace(/^<|>$/g, '').toLowerCase();
}

/** The report in `raw`, or null when it holds no delivery-status part (not a DSN). */
export function parseDsn(raw: string | Buffer): DeliveryStatusReport | null {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const status = findStatusPart(splitHead(text));
  if (status === null) return null;
  const blocks = status
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((b) => b.trim())
    .filter(Boolean)
    .map(fields);
  const perMessage = blocks[0] ?? new Map<string, string>();
  const recipients: DsnRecipient[] = [];
  for (const block of blocks.slice(1)) {
    if (!block.has('final-recipient') && !block.has('action')) continue;
    const statusCode = /\d\.\d{1,3}\.\d{1,3}/.exec(block.get('status') ?? '')?.[0] ?? '';
    recipients.push({
      finalRecipient: address(block.get('final-recipient') ?? block.get('original-recipient')),
      action: (block.get('action') ?? '').trim().toLowerCase(),
      status: statusCode,
      diagnostic: (block.get('diagnostic-code') ?? '').slice(0, 1000),
    });
  }
  return { reportingMta: (perMessage.get('reporting-mta') ?? '').replace(/^dns;\s*/i, ''), recipients };
}

/** A permanent failure (RFC 3464 2.3.3 "failed" with a 5.x.x status, RFC 3463 2). */
export function isHardBounce(r: DsnRecipient): boolean {
  return r.action === 'failed' && r.status.startsWith('5.');
}
