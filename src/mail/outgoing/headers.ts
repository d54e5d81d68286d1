// Links and header fields every Tidings mail about a collection carries:
// List-Id per collection (RFC 2919), List-Unsubscribe with an HTTPS and a
// mailto link (RFC 2369) and, when PUBLIC_URL is HTTPS, List-Unsubscribe-Post
// for one-click (RFC 8058 3.1 requires an HTTPS URI for it); Auto-Submitted
// (RFC 3834) so auto-responders stay quiet; References to a stable per-item
// or per-collection root, so clients thread alerts about one thing.
import { unsubscribeToken } from '../../domain/alerts/unsubscribe.ts';

export interface AlertMailSettings {
  mailDomain: string;
  publicUrl: string;
  unsubscribeSecret: string;
}

export function collectionUrl(s: Pick<AlertMailSettings, 'publicUrl'>, collectionId: bigint): string {
  return `${s.publicUrl}/collections/${collectionId}`;
}

export function itemUrl(s: Pick<AlertMailSettings, 'publicUrl'>, collectionId: bigint, resourceName: string): string {
  return `${s.publicUrl}/collections/${collectionId}/items/${encodeURIComponent(resourceName)}`;
}

export function settingsUrl(s: AlertMailSettings): string {
  return `${s.publicUrl}/settings/alerts`;
}

export function unsubscribeUrl(s: AlertMailSettings, userId: bigint, collectionId: bigint): string {
  return `${s.publicUrl}/unsubscribe/${unsubscribeToken(s.unsubscribeSecret, userId, collectionId)}`;
}

/**
 * The collection's name as a header phrase: a quoted-string when ASCII,
 * else RFC 2047 encoded-words (each under 75 characters). Header values
 * built here are final: the mailer passes them on as they are.
 */
export function phrase(name: string): string {
  const clean = name.replace(/[\\"\r\n]/g, ' ').slice(0, 60);
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean}"`;
  const words: string[] = [];
  let chunk = '';
  for (const ch of clean) {
    if (Buffer.byteLength(chunk + ch) > 36) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

export function listId(s: AlertMailSettings, collectionId: bigint): string {
  return `c${collectionId}.alerts.${s.mailDomain}`;
}

export function listHeaders(s: AlertMailSettings, c: { collectionId: bigint; collectionName: string; userId: bigint }): Record<string, string> {
  const token = unsubscribeToken(s.unsubscribeSecret, c.userId, c.collectionId);
  const https = s.publicUrl.startsWith('https:');
  return {
    'List-Id': `${phrase(c.collectionName)} <${listId(s, c.collectionId)}>`,
    // Folded after the comma (RFC 5322 2.2.3): the two URIs make a long line.
    'List-Unsubscribe': `<${s.publicUrl}/unsubscribe/${token}>,\r\n <mailto:unsubscribe+${token}@${s.mailDomain}?subject=unsubscribe>`,
    ...(https ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    ...automatic('auto-generated'),
  };
}

/** Marks mail no person typed, so auto-responders and out-of-office replies leave it alone. */
export function automatic(kind: 'auto-generated' | 'auto-replied'): Record<string, string> {
  return { 'Auto-Submitted': kind, 'X-Auto-Response-Suppress': 'All', Precedence: kind === 'auto-replied' ? 'auto_reply' : 'list' };
}

export function threadHeaders(rootMessageId: string): Record<string, string> {
  return { References: `<${rootMessageId}>`, 'In-Reply-To': `<${rootMessageId}>` };
}
