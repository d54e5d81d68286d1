// Serializes a parsed element back to XML text, for storing dead properties
// exactly as the client sent them (RFC 4918 4.2: with their namespaces).
import type { XmlElement } from './parse.ts';

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

export function serializeElement(el: XmlElement, parentNs: string | null = null): string {
  const nsDecl = el.ns !== parentNs ? ` xmlns="${escape(el.ns)}"` : '';
  const attrs = Object.entries(el.attrs)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('');
  const inner = el.children.map((c) => (typeof c === 'string' ? escape(c) : serializeElement(c, el.ns))).join('');
  return inner === '' ? `<${el.name}${nsDecl}${attrs}/>` : `<${el.name}${nsDecl}${attrs}>${inner}</${el.name}>`;
}
