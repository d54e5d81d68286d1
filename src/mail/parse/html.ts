// HTML bodies as readable text: links as "text [url]", no images, tables
// flattened. mailparser makes text from HTML only for HTML-only messages;
// a calendar part in multipart/alternative leaves it to us.
import { convert } from 'html-to-text';

export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, ignoreHref: false } },
    ],
  });
}
