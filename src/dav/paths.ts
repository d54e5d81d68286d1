// The URL layout under /dav/ (found by clients through discovery, RFC 6764):
//
//   /                                          the server root: PROPFIND and OPTIONS
//                                              answer as the DAV root, in place (DESIGN.md)
//   /dav/                                      root (current-user-principal)
//   /dav/principals/<email>/                   the user's principal
//   /dav/calendars/<email>/                    the user's calendar home
//   /dav/calendars/<email>/<slug>/             a collection the user owns
//   /dav/calendars/<email>/shared~<id>/        a collection shared with the user
//   /dav/calendars/<email>/<collection>/<name> an item (calendar object resource)
//
// Only the authenticated user's own <email> resolves; any other is 404, so
// nobody learns which accounts or collections exist. "~" cannot occur in a
// slug, so shared mounts never clash with owned collections.
export const DAV_PREFIX = '/dav/';
const SHARED = /^shared~(\d{1,19})$/;

/** Percent-encodes one path segment; "@" stays readable (RFC 3986 allows it in paths). */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%40/g, '@');
}

export const hrefs = {
  serverRoot: '/',
  root: DAV_PREFIX,
  principals: `${DAV_PREFIX}principals/`,
  calendars: `${DAV_PREFIX}calendars/`,
  principal: (email: string) => `${DAV_PREFIX}principals/${encodeSegment(email)}/`,
  home: (email: string) => `${DAV_PREFIX}calendars/${encodeSegment(email)}/`,
  ownCollection: (email: string, slug: string) => `${hrefs.home(email)}${encodeSegment(slug)}/`,
  sharedCollection: (email: string, collectionId: bigint) => `${hrefs.home(email)}shared~${collectionId}/`,
  item: (collectionHref: string, resourceName: string) => `${collectionHref}${encodeSegment(resourceName)}`,
};

export function sharedMountId(segment: string): bigint | null {
  const m = SHARED.exec(segment);
  return m ? BigInt(m[1]!) : null;
}

/**
 * The decoded segments of a path under /dav/ (trailing slash ignored), or
 * null when the path is not under /dav/ or does not decode. `href` may be a
 * full URL (Destination headers, multiget hrefs from some clients).
 */
export function davSegments(href: string): string[] | null {
  let pathname: string;
  try {
    pathname = new URL(href, 'http://localhost').pathname;
  } catch {
    return null;
  }
  if (pathname === '/dav') pathname = DAV_PREFIX;
  if (!pathname.startsWith(DAV_PREFIX)) return null;
  const raw = pathname.slice(DAV_PREFIX.length).split('/').filter((s) => s !== '');
  try {
    const segments = raw.map((s) => decodeURIComponent(s));
    if (segments.some((s) => s === '.' || s === '..' || s.includes('/'))) return null;
    return segments;
  } catch {
    return null;
  }
}
