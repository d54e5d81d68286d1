// What a DAV method handler gets: the request, the authenticated user, the
// resolved resource, the body (read once, size-limited, parsed safely on
// demand) and the dependencies. Handlers read the request, ask the domain and
// render the answer; the cross-cutting work happened before them (router.ts).
import type { Request, Response } from 'express';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { DavError } from './errors.ts';
import type { DavUser, Resource } from './resolve.ts';
import { parseXmlBody, type XmlElement } from './xml/parse.ts';

export interface DavDeps {
  store: Store;
  log: Logger;
  config: Config;
}

export type Depth = '0' | '1' | 'infinity';

export class DavContext {
  private xml: XmlElement | null | undefined;

  constructor(
    readonly deps: DavDeps,
    readonly req: Request,
    readonly res: Response,
    readonly user: DavUser,
    /** The request path as the client sent it (under /dav/). */
    readonly path: string,
    readonly resource: Resource | null,
    readonly body: Buffer,
  ) {}

  get store(): Store {
    return this.deps.store;
  }

  get method(): string {
    return this.req.method;
  }

  /** The resource, or 404: most methods act only on something that exists. */
  existing(): Resource {
    const r = this.resource;
    if (!r || r.kind === 'new-collection' || (r.kind === 'item' && !r.item)) throw new DavError(404, 'no such resource');
    return r;
  }

  /** The parsed XML body, or null when there is none. */
  xmlBody(): XmlElement | null {
    if (this.xml === undefined) this.xml = this.body.length === 0 ? null : parseXmlBody(this.body);
    return this.xml;
  }

  /** Depth header (RFC 4918 10.2); `fallback` when absent. */
  depth(fallback: Depth): Depth {
    const raw = this.header('depth')?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (raw === '0' || raw === '1' || raw === 'infinity') return raw;
    throw new DavError(400, `invalid Depth header "${raw}"`);
  }

  /** A request header's value (the first, if repeated). */
  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** Sends a 207 Multi-Status body. */
  multistatus(xml: string): void {
    this.send(207, xml, 'application/xml; charset=utf-8');
  }

  send(status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
    this.res.status(status).set({ 'Content-Type': contentType, ...headers });
    if (this.req.method === 'HEAD') this.res.set('Content-Length', String(Buffer.byteLength(body))).end();
    else this.res.send(body);
  }
}
