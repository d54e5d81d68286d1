// Which methods each kind of resource answers (the Allow header of OPTIONS
// and of every 405, RFC 9110 15.5.6).
import { DavError } from '../errors.ts';
import type { Resource } from '../resolve.ts';

export function allowedMethods(r: Resource | null): string[] {
  if (!r) return ['OPTIONS'];
  switch (r.kind) {
    case 'root':
    case 'principals':
    case 'calendars':
      return ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'REPORT'];
    case 'principal':
    case 'home':
      return ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'PROPPATCH', 'REPORT'];
    case 'new-collection':
      return ['OPTIONS', 'MKCALENDAR', 'MKCOL'];
    case 'collection':
      return ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'PROPPATCH', 'REPORT', 'DELETE'];
    case 'item':
      return r.item ? ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'COPY', 'MOVE', 'REPORT'] : ['OPTIONS', 'PUT'];
  }
}

export function notAllowed(r: Resource | null, method: string): DavError {
  return new DavError(405, `${method} is not allowed here`, null, { Allow: allowedMethods(r).join(', ') });
}
