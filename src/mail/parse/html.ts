// HTML bodies as readable text: links as "text [url]", no images, tables
// flattened. mailparser makes text from HTML only for HTML-only messages;
// a calendar part in multipart/alternative leaves it to us. The converter
// reads at most MAX_HTML_TO_TEXT_CHARS and follows nesting MAX_HTML_DEPTH
// deep: a huge or deeply nested body is read in part, never walked whole
// (15 MB of nested tables held the event loop for minutes).
import { convert } from 'html-to-text';
import { MAX_HTML_DEPTH, MAX_HTML_TO_TEXT_CHARS } from '../../consts.ts';

export function htmlToText(html: string): string {
  // Cut here: the converter warns on the console when it has to cut.
  return convert(html.slice(0, MAX_HTML_TO_TEXT_CHARS), {
    wordwrap: false,
    limits: { maxInputLength: MAX_HTML_TO_TEXT_CHARS, maxDepth: MAX_HTML_DEPTH, ellipsis: '…' },
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, ignoreHref: false } },
    ],
  });
}
