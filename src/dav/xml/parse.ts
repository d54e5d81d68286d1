// Safe parsing of request bodies with saxes (namespace-aware), under limits
// checked while the parser streams, before anything is built (src/consts.ts):
// nesting depth, element count, attributes per element, the size of each
// value. A DOCTYPE is refused outright: no DTD means no entity definitions, so
// neither external entities (XXE) nor entity expansion (billion laughs) can
// happen; saxes itself never fetches anything.
//
// Every refusal stops the parser at once (an exception thrown out of its
// handler), so a hostile body costs no more than its first offending element.
// That matters: saxes' cost per element grows with the nesting depth (prefix
// resolution walks the open tags), and a 700 KB depth bomb parsed to the end
// after its first error held the event loop for minutes.
import { SaxesParser } from 'saxes';
import { MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_VALUE_BYTES } from '../../consts.ts';
import { DavError } from '../errors.ts';

export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

/** A limit or grammar rule broken inside a parser handler; becomes a DavError. */
class Refusal extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request body's bytes as text. XML 1.0 4.3.3: UTF-8, or UTF-16 announced
 * by its byte-order mark. Invalid sequences are refused rather than replaced
 * with U+FFFD, which would store and echo back text the client never sent.
 */
function decode(bytes: Uint8Array): string {
  const [a, b] = bytes;
  const encoding = a === 0xff && b === 0xfe ? 'utf-16le' : a === 0xfe && b === 0xff ? 'utf-16be' : 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new DavError(400, `the request body is not valid ${encoding.toUpperCase()}; XML bodies are UTF-8 (or UTF-16 with a byte-order mark)`);
  }
}

/** Parses a request body (bytes as received). */
export function parseXmlBody(bytes: Uint8Array): XmlElement {
  return parseXml(decode(bytes));
}

const tooLarge = (value: string) => value.length > MAX_XML_VALUE_BYTES / 3 && Buffer.byteLength(value) > MAX_XML_VALUE_BYTES;

export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  let attributes = 0;
  const refuse = (status: 400 | 413, message: string): never => {
    throw new Refusal(status, `${message} (line ${parser.line}, column ${parser.column})`);
  };

  // saxes reports what it can continue past (an unbound prefix, a bad
  // character); the first such error is final here.
  parser.on('error', (err) => {
    throw new Refusal(400, `malformed XML: ${err.message}`);
  });
  parser.on('doctype', () => refuse(400, 'a DOCTYPE is not allowed in request bodies'));
  // Counted when the name is read, before its attributes are.
  parser.on('opentagstart', () => {
    if (++elements > MAX_XML_ELEMENTS) refuse(400, `more than ${MAX_XML_ELEMENTS} elements in one XML body`);
    if (stack.length >= MAX_XML_DEPTH) refuse(400, `XML nested deeper than ${MAX_XML_DEPTH} elements`);
    if (stack.length === 0 && root) refuse(400, 'more than one root element');
    attributes = 0;
  });
  parser.on('attribute', (a) => {
    if (++attributes > MAX_XML_ATTRIBUTES) refuse(400, `more than ${MAX_XML_ATTRIBUTES} attributes on one XML element`);
    if (tooLarge(a.value)) refuse(413, `an XML attribute value is over ${MAX_XML_VALUE_BYTES} bytes`);
  });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) {
      if (typeof a === 'object' && a.uri !== 'http://www.w3.org/2000/xmlns/' && a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.local] = a.value;
    }
    const el: XmlElement = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (t: string) => {
    if (tooLarge(t)) refuse(413, `an XML text value is over ${MAX_XML_VALUE_BYTES} bytes`);
    stack[stack.length - 1]?.children.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof Refusal) throw new DavError(err.status, err.message);
    throw err;
  }
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
