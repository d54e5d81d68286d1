// schema.org JSON-LD in HTML mail (<script type="application/ld+json">), as
// airlines, hotels, ticket sellers and restaurants embed it for Gmail.
// Returns every object found, flattened out of arrays and @graph.

const SCRIPT = /<script\b[^>]*\btype\s*=\s*["']?application\/ld\+json["']?[^>]*>([\s\S]*?)<\/script\s*>/gi;
const MAX_OBJECTS = 50;

export function extractJsonLd(html: string, notes: string[]): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const match of html.matchAll(SCRIPT)) {
    const body = decodeEntities(match[1]!.trim().replace(/^<!--|-->$/g, ''));
    try {
      flatten(JSON.parse(body), found);
    } catch (err) {
      notes.push(`JSON-LD block ignored: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return found.slice(0, MAX_OBJECTS);
}

function flatten(value: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(value)) {
    for (const v of value) flatten(v, out);
  } else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj['@graph'])) flatten(obj['@graph'], out);
    else out.push(obj);
  }
}

// Some senders HTML-escape the script body (quoted-printable editors do).
function decodeEntities(s: string): string {
  return s.includes('&quot;') ? s.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>') : s;
}
