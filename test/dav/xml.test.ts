// Hostile and broken request bodies: DOCTYPEs (XXE, billion laughs) are
// refused outright with 400 and nothing is read from disk; malformed XML is
// 400; an oversized body is 413 before it is buffered; never a 500.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient, startServer } from '../helpers/dav.ts';
import { makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_xml');
const base = await startServer(store);
const user = await makeUser(store, 'xml');
await makeCollection(store, user, { slug: 'cal' });
const dav = new DavClient(base, user.email);
const url = `${dav.home}cal/`;

const SECRET = `secret-${Math.random().toString(36).slice(2)}`;
const secretFile = path.join(mkdtempSync(path.join(tmpdir(), 'tidings-xxe-')), 'secret.txt');
writeFileSync(secretFile, SECRET);

describe('hostile XML', () => {
  const attacks: Record<string, string> = {
    'external entity (XXE)': `<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY xxe SYSTEM "file://${secretFile}">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&xxe;</d:displayname></d:prop></d:propfind>`,
    'billion laughs': `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&lol4;</d:displayname></d:prop></d:propfind>`,
    'a bare DOCTYPE': '<?xml version="1.0"?><!DOCTYPE propfind><propfind xmlns="DAV:"><allprop/></propfind>',
    'an undeclared entity': '<propfind xmlns="DAV:"><prop><displayname>&nope;</displayname></prop></propfind>',
  };
  for (const [name, body] of Object.entries(attacks)) {
    it(`refuses ${name} with 400 and reads nothing from disk`, async () => {
      for (const method of ['PROPFIND', 'REPORT', 'PROPPATCH']) {
        const res = await dav.expect(400, method, url, { body, headers: { Depth: '0' } });
        assert.ok(!res.text.includes(SECRET), 'the file never reaches the answer');
      }
    });
  }

  it('stores no entity text as a dead property', async () => {
    const body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://${secretFile}">]><d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:leak>&xxe;</x:leak></d:prop></d:set></d:propertyupdate>`;
    await dav.expect(400, 'PROPPATCH', url, { body });
    assert.equal(await store.db.deadProperty.count(), 0);
  });
});

describe('malformed and oversized bodies', () => {
  const malformed = ['<propfind xmlns="DAV:"><prop>', '<d:propfind xmlns:d="DAV:"></x:propfind>', '<undeclared:propfind/>', 'not xml at all', '<a/><b/>'];
  for (const body of malformed) {
    it(`answers 400 for ${JSON.stringify(body)}`, async () => {
      await dav.expect(400, 'PROPFIND', url, { body, headers: { Depth: '0' } });
      await dav.expect(400, 'REPORT', url, { body });
    });
  }

  it('answers 400 for a well-formed body of the wrong kind', async () => {
    await dav.expect(400, 'PROPFIND', url, { body: `<c:calendar-query xmlns:c="${CALDAV}"/>`, headers: { Depth: '0' } });
    await dav.expect(400, 'PROPPATCH', url, { body: '<d:propfind xmlns:d="DAV:"/>' });
  });

  it('answers 413 for an XML body over the limit', async () => {
    const huge = `<d:propfind xmlns:d="DAV:"><d:prop>${'<d:displayname/>'.repeat(80_000)}</d:prop></d:propfind>`;
    const res = await dav.expect(413, 'PROPFIND', url, { body: huge, headers: { Depth: '0' } });
    assert.match(res.text, /limited/);
  });
});
