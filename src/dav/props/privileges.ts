// DAV:current-user-privilege-set (RFC 3744 5.4) per role, so clients show a
// shared collection read-only to a viewer (DAVx5 and Thunderbird look for
// write-content/bind; Apple for write). Tidings keeps no ACLs: the role is
// the whole story.
import type { Role } from '../../domain/access.ts';
import type { ResourceKind } from '../resolve.ts';
import { el } from '../xml/multistatus.ts';
import { CALDAV, DAV } from '../xml/names.ts';
import type { XmlElement } from '../xml/parse.ts';

const OWNER = ['read', 'write', 'write-properties', 'write-content', 'bind', 'unbind', 'read-current-user-privilege-set'];
// Editors change items; their PROPPATCHes land in their own dead properties.
const EDITOR = OWNER;
const VIEWER = ['read', 'read-current-user-privilege-set'];

export function privilegesFor(kind: ResourceKind, role: Role | null): string[] {
  if (kind === 'root' || kind === 'principals' || kind === 'calendars') return ['read', 'read-current-user-privilege-set'];
  if (kind === 'home' || kind === 'principal') return OWNER;
  return role === 'owner' ? OWNER : role === 'editor' ? EDITOR : VIEWER;
}

export function privilegeSet(names: string[], freeBusy: boolean): XmlElement[] {
  const out = names.map((n) => el(DAV, 'privilege', el(DAV, n)));
  // RFC 4791 6.1.1: whoever can read a calendar can ask for its free-busy.
  if (freeBusy) out.push(el(DAV, 'privilege', el(CALDAV, 'read-free-busy')));
  return out;
}
