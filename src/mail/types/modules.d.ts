// Types for the mail libraries that ship none (only what Tidings uses).

declare module 'html-to-text' {
  export interface HtmlToTextOptions {
    wordwrap?: number | false;
    selectors?: Array<{ selector: string; format?: string; options?: Record<string, unknown> }>;
    limits?: Record<string, unknown>;
  }
  export function convert(html: string, options?: HtmlToTextOptions): string;
}

declare module 'email-reply-parser' {
  export default class EmailReplyParser {
    /** The text without quoted replies and signatures. */
    parseReply(text: string): string;
  }
}

declare module 'node-tnef' {
  export interface TnefAttachment {
    Title?: string;
    Data?: number[];
  }
  export interface TnefResult {
    Attachments: TnefAttachment[];
    Body?: number[] | string;
    BodyHTML?: number[] | string;
  }
  /** Synchronous despite the callback: decodes a byte array. */
  export function parseBuffer(data: Buffer, callback: (failed: boolean, result: TnefResult | Error | null) => void): void;
}
