// Hostile XML bodies within the size limit: depth and breadth bombs, attribute
// floods, oversized values, entity tricks and bytes that are not UTF-8. Each is
// refused with its documented status (400, or 413 for a value over the size
// limit) and a message naming the limit, the parser stops where the limit is
// crossed (the message says where, near the start of a body of hundreds of
// kilobytes), and /healthz and another user's requests are answered alongside.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_VALUE_BYTES } from '../../src/consts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { basic, DAV, DavClient, parseMultistatus, PASSWORD, propfindBody, propText, startServer } from '../helpers/dav.ts';
import { makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_xml_limits');
const base = await startServer(store);
const attacker = await makeUser(store, 'attacker');
await makeCollection(store, attacker, { slug: 'cal' });
const url = `/dav/calendars/${attacker.email}/cal/`;
const bystander = await makeUser(store, 'bystander');
await makeCollection(store, bystander, { slug: 'home', name: 'Home' });
const other = new DavClient(base, bystander.email);

const OPEN = '<d:propfind xmlns:d="DAV:">';

async function send(method: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(base + url, {
    method,
    headers: { Authorization: basic(attacker.email, PASSWORD), Depth: '0', 'Content-Type': 'application/xml', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The bomb, a liveness probe and another user's PROPFIND, all at once; then the probe again. */
async function refused(status: number, method: string, body: string | Buffer, message: RegExp): Promise<string> {
  const [bomb, health, neighbour] = await Promise.all([
    send(method, body),
    fetch(`${base}/healthz`),
    other.propfind(`${other.home}home/`, '0', propfindBody([DAV, 'displayname'])),
  ]);
  assert.equal(bomb.status, status, bomb.text.slice(0, 300));
  assert.match(bomb.text, message);
  assert.equal(health.status, 200);
  assert.equal(propText(neighbour.byHref(`${other.home}home/`), '{DAV:}displayname'), 'Home');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  return bomb.text;
}

/** The column the parser reports it stopped at (line 1: the bombs have no line breaks). */
function stoppedAt(text: string): number {
  const m = /line 1, column (\d+)/.exec(text);
  assert.ok(m, `the refusal says where the parser stopped: ${text.slice(0, 300)}`);
  return Number(m[1]);
}

describe('depth bombs', () => {
  it(`takes ${MAX_XML_DEPTH} levels and refuses the element that crosses them`, async () => {
    const nested = (levels: number) => `${OPEN}<d:prop><d:displayname/>${'<d:a>'.repeat(levels)}${'</d:a>'.repeat(levels)}</d:prop></d:propfind>`;
    // propfind and prop are two levels.
    assert.equal((await send('PROPFIND', nested(MAX_XML_DEPTH - 2))).status, 207);
    const body = nested(2_000);
    const text = await refused(400, 'PROPFIND', body, new RegExp(`nested deeper than ${MAX_XML_DEPTH}`));
    const crossing = body.indexOf('<d:a>') + '<d:a>'.length * (MAX_XML_DEPTH - 2);
    assert.ok(stoppedAt(text) > crossing && stoppedAt(text) <= crossing + '<d:a>'.length, `stopped at ${stoppedAt(text)}, the crossing element starts at ${crossing}`);
  });

  it('refuses 700 KB of nested elements without reading past the limit', async () => {
    const levels = 70_000;
    const prefixed = OPEN + '<d:a>'.repeat(levels) + '</d:a>'.repeat(levels) + '</d:propfind>';
    assert.ok(prefixed.length > 700_000);
    assert.ok(stoppedAt(await refused(400, 'PROPFIND', prefixed, /nested deeper/)) < 1_000);
    const unprefixed = '<propfind xmlns="DAV:">' + '<a>'.repeat(230_000);
    assert.ok(stoppedAt(await refused(400, 'REPORT', unprefixed, /nested deeper/)) < 1_000);
    const undeclared = '<x:a>'.repeat(150_000);
    await refused(400, 'PROPFIND', undeclared, /./);
  });
});

describe('breadth bombs', () => {
  it(`refuses more than ${MAX_XML_ELEMENTS} elements at the one that crosses it`, async () => {
    // propfind, prop and the one property named are three elements.
    const listing = (children: number) => `${OPEN}<d:prop><x:note xmlns:x="urn:x">${'<x:y/>'.repeat(children)}</x:note></d:prop></d:propfind>`;
    assert.equal((await send('PROPFIND', listing(MAX_XML_ELEMENTS - 3))).status, 207);
    const justOver = listing(MAX_XML_ELEMENTS - 2);
    const text = await refused(400, 'PROPFIND', justOver, new RegExp(`more than ${MAX_XML_ELEMENTS} elements`));
    const crossing = justOver.lastIndexOf('<x:y/>');
    assert.ok(stoppedAt(text) > crossing && stoppedAt(text) <= crossing + '<x:y/>'.length, `stopped at ${stoppedAt(text)}, the crossing element starts at ${crossing}`);
    const many = `<propfind xmlns="DAV:"><prop>${'<x/>'.repeat(200_000)}</prop></propfind>`;
    assert.ok(stoppedAt(await refused(400, 'PROPFIND', many, /elements/)) < many.length / 2);
  });

  it(`refuses more than ${MAX_XML_ATTRIBUTES} attributes on one element, namespace declarations included`, async () => {
    const attributes = `<d:propfind xmlns:d="DAV:" ${Array.from({ length: 50_000 }, (_, i) => `a${i}="x"`).join(' ')}/>`;
    assert.ok(stoppedAt(await refused(400, 'PROPFIND', attributes, new RegExp(`more than ${MAX_XML_ATTRIBUTES} attributes`))) < 2_000);
    const declarations = `<d:propfind xmlns:d="DAV:" ${Array.from({ length: 40_000 }, (_, i) => `xmlns:p${i}="urn:${i}"`).join(' ')}/>`;
    assert.ok(stoppedAt(await refused(400, 'PROPFIND', declarations, /attributes/)) < 2_000);
  });

  it(`answers 413 for a text or attribute value over ${MAX_XML_VALUE_BYTES} bytes, and nothing is stored`, async () => {
    const long = 'x'.repeat(MAX_XML_VALUE_BYTES + 1);
    await refused(413, 'PROPPATCH', `<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:note>${long}</x:note></d:prop></d:set></d:propertyupdate>`, new RegExp(`${MAX_XML_VALUE_BYTES} bytes`));
    await refused(413, 'PROPFIND', `${OPEN}<d:prop><d:displayname x="${long}"/></d:prop></d:propfind>`, new RegExp(`${MAX_XML_VALUE_BYTES} bytes`));
    assert.equal(await store.db.deadProperty.count({ where: { userId: attacker.id } }), 0);
  });
});

describe('entity tricks', () => {
  const tricks: Record<string, string> = {
    'billion laughs': `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>${OPEN}<d:prop><d:displayname>&d;&d;&d;</d:displayname></d:prop></d:propfind>`,
    'quadratic blowup': `<?xml version="1.0"?><!DOCTYPE q [<!ENTITY big "${'x'.repeat(50_000)}">]>${OPEN}<d:prop><d:displayname>${'&big;'.repeat(20_000)}</d:displayname></d:prop></d:propfind>`,
    'parameter entities': `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY % e SYSTEM "http://127.0.0.1:9/evil.dtd"> %e;]>${OPEN}<d:allprop/></d:propfind>`,
    'an external DTD': `<?xml version="1.0"?><!DOCTYPE d:propfind SYSTEM "file:///etc/passwd">${OPEN}<d:allprop/></d:propfind>`,
    'an undeclared entity in an attribute': `${OPEN}<d:prop><d:displayname x="&lol;"/></d:prop></d:propfind>`,
    'a character reference to NUL': `${OPEN}<d:prop><d:displayname>&#0;</d:displayname></d:prop></d:propfind>`,
  };
  for (const [name, body] of Object.entries(tricks)) {
    it(`refuses ${name} with 400`, async () => {
      await refused(400, 'PROPFIND', body, /./);
    });
  }
});

describe('bytes that are not UTF-8', () => {
  const displayname = (bytes: number[]) => Buffer.concat([Buffer.from(`${OPEN}<d:prop><d:displayname>`), Buffer.from(bytes), Buffer.from('</d:displayname></d:prop></d:propfind>')]);
  const broken: Record<string, Buffer> = {
    'a stray continuation byte': displayname([0x80]),
    'a byte never valid in UTF-8': displayname([0xff]),
    'an overlong encoding of "/"': displayname([0xc0, 0xaf]),
    'an encoded UTF-16 surrogate': displayname([0xed, 0xa0, 0x80]),
    'a truncated sequence': displayname([0xe2, 0x82]),
    'Latin-1 text': displayname([0x63, 0x61, 0x66, 0xe9]),
  };
  for (const [name, body] of Object.entries(broken)) {
    it(`refuses ${name} with 400`, async () => {
      await refused(400, 'PROPFIND', body, /UTF-8/);
      await refused(400, 'PROPPATCH', Buffer.concat([Buffer.from('<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:note>'), body.subarray(body.indexOf('<d:displayname>') + 15, body.indexOf('</d:displayname>')), Buffer.from('</x:note></d:prop></d:set></d:propertyupdate>')]), /UTF-8/);
    });
  }

  it('reads UTF-8 with and without a byte-order mark, and UTF-16 with one (XML 1.0 4.3.3)', async () => {
    const body = `${OPEN}<d:prop><d:resourcetype/></d:prop></d:propfind>`;
    for (const bytes of [Buffer.from(body), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')])]) {
      const res = await send('PROPFIND', bytes);
      assert.equal(res.status, 207, res.text);
      assert.ok(parseMultistatus(res.text).byHref(url).props.get('{DAV:}resourcetype'));
    }
  });
});

describe('all at once', () => {
  it('answers every bomb, the liveness probe and the other user while they arrive together', async () => {
    const bombs = [
      OPEN + '<d:a>'.repeat(100_000),
      `<propfind xmlns="DAV:"><prop>${'<x/>'.repeat(200_000)}</prop></propfind>`,
      `<d:propfind xmlns:d="DAV:" ${Array.from({ length: 50_000 }, (_, i) => `a${i}="x"`).join(' ')}/>`,
    ];
    const answers = await Promise.all([
      ...bombs.flatMap((b) => [send('PROPFIND', b), send('REPORT', b)]),
      ...Array.from({ length: 5 }, () => fetch(`${base}/healthz`).then((r) => ({ status: r.status, text: 'healthz' }))),
      other.propfind(`${other.home}home/`, '0', propfindBody([DAV, 'displayname'])).then(() => ({ status: 207, text: 'neighbour' })),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(6).fill(400), ...Array(5).fill(200), 207],
    );
  });
});
