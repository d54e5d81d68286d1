// Mail templates: mailtemplates/<name>/{subject, text, html},
// rendered with mustache ({{x}} HTML-escaped, {{{x}}} as is). Read once and
// kept: templates ship with the code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../../mailtemplates/', import.meta.url));

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const cache = new Map<string, { subject: string; text: string; html: string }>();

function load(name: string, dir: string) {
  const key = `${dir}\n${name}`;
  let t = cache.get(key);
  if (!t) {
    const read = (file: string) => readFileSync(path.join(dir, name, file), 'utf8');
    t = { subject: read('subject'), text: read('text'), html: read('html') };
    cache.set(key, t);
  }
  return t;
}

export function renderTemplate(name: string, view: Record<string, unknown>, dir = TEMPLATES_DIR): Rendered {
  const t = load(name, dir);
  return {
    // A subject is one line of text: no HTML escaping, no line breaks.
    subject: Mustache.render(t.subject, view, {}, { escape: (s: string) => s }).replace(/\s+/g, ' ').trim(),
    text: Mustache.render(t.text, view),
    html: Mustache.render(t.html, view),
  };
}
