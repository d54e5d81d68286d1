// Is a failed send worth retrying? Decided from nodemailer's err.code and the
// server's err.responseCode (nodemailer's error codes; RFC 5321 4.2.1): 4xx
// replies and network trouble are temporary, 5xx replies are permanent.
export type FailureKind = 'temporary' | 'permanent';

export interface Failure {
  kind: FailureKind;
  /** One line for the outbox row and the logs. */
  message: string;
}

// The connection broke or never came up: the message may go through later.
const NETWORK = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EMAXLIMIT',
]);

// Our side cannot build or address this message: retrying changes nothing.
const MESSAGE_FAULTS = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EREQUIRETLS']);

export function classifySendError(err: unknown): Failure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = String(typeof e.response === 'string' && e.response ? e.response : (e.message ?? err)).replace(/\s+/g, ' ').trim();
  const message = (code ? `${code}: ` : '') + text;
  // A refused login is our relay configuration, not the message: keep it queued until an operator fixes it.
  if (code === 'EAUTH' || code === 'ENOAUTH') return { kind: 'temporary', message };
  if (responseCode !== null && responseCode >= 500) return { kind: 'permanent', message };
  if (responseCode !== null && responseCode >= 400) return { kind: 'temporary', message };
  if (NETWORK.has(code)) return { kind: 'temporary', message };
  if (MESSAGE_FAULTS.has(code)) return { kind: 'permanent', message };
  // Unknown (a full disk under var/outbox, a bug): retry; attempts run out into the dead letters.
  return { kind: 'temporary', message };
}
