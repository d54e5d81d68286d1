// Per-request lookups that several properties share (the store epoch, a
// collection owner's account, a resource's dead properties), each made at
// most once per request however many responses a PROPFIND renders.
import { getUser, type User } from '../../domain/accounts.ts';
import { storeEpoch } from '../../domain/changes.ts';
import { listDeadProperties, type DeadProperty, type DeadResource } from '../../domain/dead-properties.ts';
import type { Store } from '../../store/index.ts';
import type { DavUser, Resource } from '../resolve.ts';
import type { PropValue } from '../xml/multistatus.ts';
import { elements, parseXml, textOf, type XmlElement } from '../xml/parse.ts';

export class PropContext {
  private epochValue: Promise<string> | null = null;
  private readonly users = new Map<bigint, Promise<User>>();
  private readonly deads = new Map<string, Promise<DeadProperty[]>>();

  constructor(
    readonly store: Store,
    readonly user: DavUser,
  ) {}

  epoch(): Promise<string> {
    this.epochValue ??= storeEpoch(this.store);
    return this.epochValue;
  }

  account(userId: bigint): Promise<User> {
    let p = this.users.get(userId);
    if (!p) {
      p = getUser(this.store, userId);
      this.users.set(userId, p);
    }
    return p;
  }

  deadProperties(resource: Resource): Promise<DeadProperty[]> {
    const target = deadResource(resource);
    if (!target) return Promise.resolve([]);
    const key = target.kind === 'collection' ? `c${target.collectionId}` : target.kind;
    let p = this.deads.get(key);
    if (!p) {
      p = listDeadProperties(this.store, this.user.id, target);
      this.deads.set(key, p);
    }
    return p;
  }

  /** A dead property's stored element, parsed back (it was stored from a parsed body). */
  async deadElement(resource: Resource, ns: string, name: string): Promise<XmlElement | null> {
    const found = (await this.deadProperties(resource)).find((d) => d.namespace === ns && d.name === name);
    return found ? parseXml(found.value) : null;
  }
}

/** Where a resource's dead properties live; null for resources that keep none. */
export function deadResource(resource: Resource): DeadResource | null {
  switch (resource.kind) {
    case 'home':
    case 'principal':
      return { kind: resource.kind };
    case 'collection':
      return { kind: 'collection', collectionId: resource.collection.id };
    default:
      return null;
  }
}

/** A stored property element's content as a value: its child elements, else its text. */
export function valueOf(property: XmlElement): PropValue {
  const kids = elements(property);
  return kids.length > 0 ? kids : textOf(property);
}
