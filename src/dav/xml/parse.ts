// Safe parsing of request bodies with saxes (namespace-aware). A DOCTYPE is
// refused outright: no DTD means no entity definitions, so neither external
// entities (XXE) nor entity expansion (billion laughs) can happen; saxes
// itself never fetches anything. Any malformed body is a DavError 400.
import { SaxesParser } from 'saxes';
import { DavError } from '../errors.ts';

export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

/** Deeper than any real WebDAV body; stops stack-heavy nesting attacks early. */
const MAX_DEPTH = 64;
const MAX_ELEMENTS = 100_000;

export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  let failure: string | null = null;
  const fail = (message: string) => {
    failure ??= message;
  };

  parser.on('doctype', () => fail('a DOCTYPE is not allowed in request bodies'));
  parser.on('error', (err) => fail(`malformed XML: ${err.message}`));
  parser.on('opentag', (tag) => {
    if (failure) return;
    if (++elements > MAX_ELEMENTS) return fail('too many XML elements');
    if (stack.length >= MAX_DEPTH) return fail('XML nested too deeply');
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (typeof a === 'object' && a.uri !== 'http://www.w3.org/2000/xmlns/' && a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.local] = a.value;
    }
    const el: XmlElement = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) return fail('more than one root element');
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (t: string) => {
    const parent = stack[stack.length - 1];
    if (parent && !failure) parent.children.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  try {
    parser.write(text).close();
  } catch (err) {
    fail(`malformed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (failure) throw new DavError(400, failure);
  if (!root) throw new DavError(400, 'the request body holds no XML element');
  return root;
}

export function isElement(n: XmlNode): n is XmlElement {
  return typeof n !== 'string';
}

export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter(isElement);
}

export function child(el: XmlElement | null | undefined, ns: string, name: string): XmlElement | undefined {
  return el?.children.find((c): c is XmlElement => isElement(c) && c.ns === ns && c.name === name);
}

export function childrenNamed(el: XmlElement, ns: string, name: string): XmlElement[] {
  return elements(el).filter((c) => c.ns === ns && c.name === name);
}

export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** Requires the root to be {ns}name; a body of the wrong kind is a 400. */
export function expectRoot(root: XmlElement, ns: string, name: string): XmlElement {
  if (root.ns !== ns || root.name !== name) throw new DavError(400, `expected a {${ns}}${name} body, got {${root.ns}}${root.name}`);
  return root;
}
