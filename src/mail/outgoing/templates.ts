// The mail templates in mailtemplates/<message>/{subject,text,html}, rendered
// with Mustache. HTML output escapes every value; text and subject do not
// (they are not HTML). Styles are inlined: templates write style="{{style.x}}"
// with the named rules of mailtemplates/_styles.json, because many mail
// clients drop <style> blocks. Shared pieces live in mailtemplates/_partials.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../../mailtemplates/', import.meta.url));

export const MESSAGE_TEMPLATES = ['alert', 'digest', 'reminder', 'confirmation', 'alerts-frozen'] as const;
export type MessageTemplate = (typeof MESSAGE_TEMPLATES)[number];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailTemplates {
  render(name: MessageTemplate, view: object): RenderedMail;
  /** The inline style rules (mailtemplates/_styles.json), for views that pick a rule per item. */
  readonly style: Readonly<Record<string, string>>;
}

const verbatim = (value: unknown) => String(value);

export function loadMailTemplates(dir: string = TEMPLATES_DIR): MailTemplates {
  const read = (...parts: string[]) => readFileSync(path.join(dir, ...parts), 'utf8');
  const style = JSON.parse(read('_styles.json')) as Record<string, string>;
  const htmlPartials: Record<string, string> = {};
  const textPartials: Record<string, string> = {};
  for (const file of readdirSync(path.join(dir, '_partials'))) {
    const name = file.replace(/\.(html|txt)$/, '');
    if (file.endsWith('.html')) htmlPartials[name] = read('_partials', file);
    if (file.endsWith('.txt')) textPartials[name] = read('_partials', file);
  }
  const messages = new Map<string, { subject: string; text: string; html: string }>();
  for (const name of MESSAGE_TEMPLATES) {
    messages.set(name, { subject: read(name, 'subject'), text: read(name, 'text'), html: read(name, 'html') });
  }
  return {
    style,
    render(name, view) {
      const t = messages.get(name);
      if (!t) throw new Error(`no mail template "${name}"`);
      // RFC 5322 2.2: a header field is one line; templates end with a newline.
      const subject = Mustache.render(t.subject, view, {}, { escape: verbatim }).replace(/\s+/g, ' ').trim();
      const full = { ...view, style, subject };
      const text = Mustache.render(t.text, full, textPartials, { escape: verbatim }).replace(/\n{3,}/g, '\n\n');
      const html = Mustache.render(t.html, full, htmlPartials);
      return { subject, text, html };
    },
  };
}
