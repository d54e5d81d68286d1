// Strong ETags on the wire are quoted (RFC 9110 8.8.3); the store keeps them
// unquoted. If-Match uses strong comparison (RFC 9110 13.1.1), so a weak tag
// never matches.
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** The entity tags of an If-Match / If-None-Match list: "*" or unquoted strong tags (weak ones kept as "W/…"). */
export function etagList(header: string | undefined): string[] | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return ['*'];
  const tags: string[] = [];
  for (const m of header.matchAll(/(W\/)?"([^"]*)"/g)) tags.push(m[1] ? `W/${m[2]}` : m[2]!);
  // A bare token is not valid, but some clients send one: take it as a strong tag.
  return tags.length > 0 ? tags : [header.trim()];
}

/** The one If-Match value the domain takes: "*", the strong tag, or a tag that cannot match. */
export function ifMatchValue(header: string | undefined, current: string | null): string | undefined {
  const tags = etagList(header);
  if (!tags) return undefined;
  if (tags.includes('*')) return '*';
  // With a list, pass the current tag through when listed, so the domain re-checks it under its lock.
  if (current !== null && tags.includes(current)) return current;
  return tags.find((t) => !t.startsWith('W/')) ?? 'W/no-strong-tag';
}

export function noneMatch(header: string | undefined, current: string | null): boolean {
  const tags = etagList(header);
  if (!tags || current === null) return false;
  return tags.includes('*') || tags.some((t) => t.replace(/^W\//, '') === current);
}
