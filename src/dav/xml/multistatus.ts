// Builds 207 Multi-Status bodies (RFC 4918 13) and DAV:error bodies with
// xmlbuilder2, which escapes text and declares namespaces for us. Known
// namespaces get their usual prefixes (clients are tolerant, humans read
// them); any other namespace is declared as the element's default.
import { STATUS_CODES } from 'node:http';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { CALDAV, CALENDARSERVER, APPLE_ICAL, DAV, PREFIXES } from './names.ts';
import type { XmlElement } from './parse.ts';

/** A property's value: text, child elements, or null for an empty element. */
export type PropValue = string | XmlElement[] | null;

export interface PropStat {
  ns: string;
  name: string;
  status: number;
  value?: PropValue;
}

export function statusLine(code: number): string {
  return `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`.trimEnd();
}

function qname(ns: string, name: string): string {
  const prefix = PREFIXES[ns];
  return prefix ? `${prefix}:${name}` : name;
}

export function appendElement(parent: XMLBuilder, el: XmlElement): void {
  const node = parent.ele(el.ns || null, qname(el.ns, el.name), el.attrs);
  for (const c of el.children) {
    if (typeof c === 'string') node.txt(c);
    else appendElement(node, c);
  }
}

function appendValue(node: XMLBuilder, value: PropValue | undefined): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') node.txt(value);
  else for (const el of value) appendElement(node, el);
}

function document(ns: string, name: string): XMLBuilder {
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele(ns, qname(ns, name));
  for (const extra of [DAV, CALDAV, CALENDARSERVER, APPLE_ICAL]) {
    if (extra !== ns) root.att('http://www.w3.org/2000/xmlns/', `xmlns:${PREFIXES[extra]}`, extra);
  }
  return root;
}

export class Multistatus {
  private readonly root = document(DAV, 'multistatus');

  /** One response with its properties grouped into a propstat per status. */
  propstats(href: string, props: PropStat[]): void {
    const response = this.root.ele(DAV, 'd:response');
    response.ele(DAV, 'd:href').txt(href);
    const byStatus = new Map<number, PropStat[]>();
    // Appended in place: copying the list per property was quadratic, and a
    // PROPFIND naming 20,000 properties held the event loop for a minute.
    for (const p of props) {
      const list = byStatus.get(p.status);
      if (list) list.push(p);
      else byStatus.set(p.status, [p]);
    }
    if (byStatus.size === 0) byStatus.set(200, []);
    for (const [status, list] of byStatus) {
      const propstat = response.ele(DAV, 'd:propstat');
      const prop = propstat.ele(DAV, 'd:prop');
      for (const p of list) appendValue(prop.ele(p.ns || null, qname(p.ns, p.name)), p.value);
      propstat.ele(DAV, 'd:status').txt(statusLine(status));
    }
  }

  /** A response that is only a status, e.g. a deleted member in a sync report (RFC 6578 3.5). */
  status(href: string, status: number, error?: XmlElement): void {
    const response = this.root.ele(DAV, 'd:response');
    response.ele(DAV, 'd:href').txt(href);
    response.ele(DAV, 'd:status').txt(statusLine(status));
    if (error) appendElement(response.ele(DAV, 'd:error'), error);
  }

  syncToken(token: string): void {
    this.root.ele(DAV, 'd:sync-token').txt(token);
  }

  toString(): string {
    return this.root.end({ prettyPrint: false });
  }
}

/** A DAV:error body (RFC 4918 16) naming the precondition, with a message for people. */
export function errorBody(condition: XmlElement | null, message: string): string {
  const root = document(DAV, 'error');
  if (condition) appendElement(root, condition);
  root.ele('urn:x-tidings:dav', 't:message').txt(message);
  return root.end({ prettyPrint: false });
}

/** A small builder for property values: el(DAV, 'href', '/x') */
export function el(ns: string, name: string, ...children: Array<XmlElement | string>): XmlElement {
  return { ns, name, attrs: {}, children };
}
