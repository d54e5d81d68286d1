// A real Tidings HTTP server on port 0 over a test database, and a small
// WebDAV client whose verbs take the expected status and return the parsed
// answer, so DAV tests read like the protocol (Radicale's and sabre's test
// style).
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/web-server.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/log.ts';
import type { Store } from '../../src/store/index.ts';
import { child, elements, parseXml, textOf, type XmlElement } from '../../src/dav/xml/parse.ts';

export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CS = 'http://calendarserver.org/ns/';
export const ICAL = 'http://apple.com/ns/ical/';
export const PASSWORD = 'correct horse battery';

/** Starts the app on 127.0.0.1:0 with the given environment settings; closed when the file ends. */
export async function startServer(store: Store, env: Record<string, string> = {}): Promise<string> {
  const config = loadConfig({ DAV_RATE_LIMIT: '100000', ...env });
  const server = await listen(createApp({ store, log: createLogger('silent'), config }), 0, '127.0.0.1');
  after(() => server.close());
  return `http://127.0.0.1:${server.port}`;
}

export interface DavResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface PropResult {
  status: number;
  el: XmlElement;
}

export interface MultistatusResponse {
  href: string;
  status: number | null;
  props: Map<string, PropResult>;
  error: XmlElement | undefined;
}

export interface Multistatus {
  responses: MultistatusResponse[];
  syncToken: string | null;
  byHref(href: string): MultistatusResponse;
}

const statusOf = (line: string) => Number(/HTTP\/1\.1 (\d{3})/.exec(line)?.[1] ?? NaN);

export function parseMultistatus(text: string): Multistatus {
  const root = parseXml(text);
  assert.equal(`${root.ns}${root.name}`, 'DAV:multistatus', text);
  const responses = elements(root)
    .filter((e) => e.ns === DAV && e.name === 'response')
    .map((r) => {
      const props = new Map<string, PropResult>();
      for (const ps of elements(r).filter((e) => e.name === 'propstat')) {
        const status = statusOf(textOf(child(ps, DAV, 'status')));
        for (const p of elements(child(ps, DAV, 'prop')!)) props.set(`{${p.ns}}${p.name}`, { status, el: p });
      }
      const s = child(r, DAV, 'status');
      return { href: decodeURIComponent(textOf(child(r, DAV, 'href'))), status: s ? statusOf(textOf(s)) : null, props, error: child(r, DAV, 'error') };
    });
  const token = child(root, DAV, 'sync-token');
  return {
    responses,
    syncToken: token ? textOf(token) : null,
    byHref(href: string) {
      const found = responses.find((r) => r.href === decodeURIComponent(href));
      assert.ok(found, `a response for ${href} in ${responses.map((r) => r.href).join(', ')}`);
      return found;
    },
  };
}

/** The text of a property in a response (asserting it was found with 200). */
export function propText(r: MultistatusResponse, clarkName: string): string {
  const p = r.props.get(clarkName);
  assert.ok(p, `${clarkName} in the response for ${r.href}`);
  assert.equal(p.status, 200, `${clarkName} status`);
  return textOf(p.el);
}

export function basic(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
}

export class DavClient {
  constructor(
    readonly base: string,
    readonly email: string,
    readonly password: string = PASSWORD,
  ) {}

  get home(): string {
    return `/dav/calendars/${this.email}/`;
  }

  get principal(): string {
    return `/dav/principals/${this.email}/`;
  }

  async request(method: string, path: string, opts: { body?: string; headers?: Record<string, string>; auth?: boolean } = {}): Promise<DavResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false) headers.Authorization ??= basic(this.email, this.password);
    if (opts.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/xml; charset=utf-8';
    const res = await fetch(this.base + path, { method, headers, body: opts.body, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async expect(status: number, method: string, path: string, opts: Parameters<DavClient['request']>[2] = {}): Promise<DavResponse> {
    const res = await this.request(method, path, opts);
    assert.equal(res.status, status, `${method} ${path}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
    return res;
  }

  async propfind(path: string, depth: '0' | '1' | null, body: string | undefined, status = 207): Promise<Multistatus> {
    const res = await this.expect(status, 'PROPFIND', path, { body, headers: depth === null ? {} : { Depth: depth } });
    return parseMultistatus(res.text);
  }

  async proppatch(path: string, body: string, status = 207): Promise<Multistatus> {
    return parseMultistatus((await this.expect(status, 'PROPPATCH', path, { body })).text);
  }

  async report(path: string, body: string, depth: '0' | '1' = '1', status = 207): Promise<Multistatus> {
    return parseMultistatus((await this.expect(status, 'REPORT', path, { body, headers: { Depth: depth } })).text);
  }

  async put(path: string, ics: string, status: number, headers: Record<string, string> = {}): Promise<DavResponse> {
    return this.expect(status, 'PUT', path, { body: ics, headers: { 'Content-Type': 'text/calendar; charset=utf-8', ...headers } });
  }

  async mkcalendar(path: string, body: string | undefined, status = 201): Promise<DavResponse> {
    return this.expect(status, 'MKCALENDAR', path, { body });
  }
}

/** The precondition element named in a DAV:error body. */
export function errorCondition(text: string): string {
  const root = parseXml(text);
  assert.equal(`${root.ns}${root.name}`, 'DAV:error', text);
  const condition = elements(root).find((e) => e.ns !== 'urn:x-tidings:dav');
  return condition ? `{${condition.ns}}${condition.name}` : '';
}

export function propfindBody(...props: Array<[string, string]>): string {
  const ns = new Map<string, string>();
  const els = props.map(([n, name]) => {
    if (!ns.has(n)) ns.set(n, `n${ns.size}`);
    return `<${ns.get(n)}:${name}/>`;
  });
  const decls = [...ns].map(([n, p]) => `xmlns:${p}="${n}"`).join(' ');
  return `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" ${decls}><d:prop>${els.join('')}</d:prop></d:propfind>`;
}
