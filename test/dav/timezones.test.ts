// A CalDAV PUT that names a zone it does not define (RFC 5545 3.2.19): a
// known zone's VTIMEZONE is added and the answer carries no ETag (RFC 4791
// 5.3.4), an unknown one is refused with CALDAV:valid-calendar-data; what
// the client defined itself is stored byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient, errorCondition, startServer } from '../helpers/dav.ts';
import { fixture } from '../helpers/fixtures.ts';
import { assertTzidsDefined, instantByOwnVtimezone } from '../helpers/vtimezones.ts';
import { makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_zones');
const base = await startServer(store);

async function calendar(timeZone = 'UTC') {
  const user = await makeUser(store, 'zones');
  const collection = await makeCollection(store, user, { slug: 'cal', timeZone });
  const dav = new DavClient(base, user.email);
  return { collection, dav, url: `${dav.home}cal/` };
}

const ics = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings tests//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const event = (uid: string, ...lines: string[]) => ics('BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'SUMMARY:Planning', ...lines, 'END:VEVENT');

async function storedItems(collectionId: bigint) {
  return store.db.item.findMany({ where: { collectionId }, orderBy: { id: 'asc' } });
}

describe('PUT with a TZID and no VTIMEZONE', () => {
  it('adds the IANA zone\'s VTIMEZONE, answers without an ETag, and GET gives the completed object at the same instants', async () => {
    const { collection, dav, url } = await calendar();
    const sent = event('berlin@client.test', 'DTSTART;TZID=Europe/Berlin:20261203T100000', 'DTEND;TZID=Europe/Berlin:20261203T113000');
    const put = await dav.put(`${url}berlin.ics`, sent, 201);
    assert.equal(put.headers.get('etag'), null, 'the stored text is not what was sent: no ETag (RFC 4791 5.3.4)');
    const get = await dav.expect(200, 'GET', `${url}berlin.ics`);
    assert.notEqual(get.text, sent);
    assert.match(get.text, /^X-LIC-LOCATION:Europe\/Berlin\r?$/m);
    assert.equal(instantByOwnVtimezone(get.text), '2026-12-03T09:00:00.000Z');
    assert.equal(instantByOwnVtimezone(get.text, 'dtend'), '2026-12-03T10:30:00.000Z');
    const [item] = await storedItems(collection.id);
    assert.equal(item!.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
    assert.equal(item!.sizeBytes, Buffer.byteLength(get.text), 'the quota counts what is stored');
    assert.equal(get.headers.get('etag'), `"${item!.etag}"`);

    // Sent back as read, nothing is missing: stored as sent, with its ETag.
    const again = await dav.put(`${url}berlin.ics`, get.text, 204, { 'If-Match': get.headers.get('etag')! });
    assert.ok(again.headers.get('etag'));
    assert.equal((await dav.expect(200, 'GET', `${url}berlin.ics`)).text, get.text);
  });

  it('defines every zone used, in overrides and EXDATEs too, under the name the object uses (an alias stays an alias)', async () => {
    const { dav, url } = await calendar();
    const uid = 'kyiv@client.test';
    const sent = ics(
      'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'SUMMARY:Stand-up', 'DTSTART;TZID=Europe/Kiev:20261201T090000', 'DURATION:PT15M',
      'RRULE:FREQ=DAILY;COUNT=5', 'EXDATE;TZID=Europe/Kiev:20261202T090000', 'END:VEVENT',
      'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'SUMMARY:Stand-up (from New York)', 'RECURRENCE-ID;TZID=Europe/Kiev:20261203T090000',
      'DTSTART;TZID=America/New_York:20261203T020000', 'DURATION:PT15M', 'END:VEVENT',
    );
    await dav.put(`${url}kyiv.ics`, sent, 201);
    const text = (await dav.expect(200, 'GET', `${url}kyiv.ics`)).text;
    const calendarOut = assertTzidsDefined(text);
    assert.deepEqual(calendarOut.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')).sort(), ['America/New_York', 'Europe/Kiev']);
    assert.equal(calendarOut.getAllSubcomponents('vevent').length, 2, 'both components kept');
    assert.equal(instantByOwnVtimezone(text), '2026-12-01T07:00:00.000Z');
  });

  it('defines an Outlook TZID whose VTIMEZONE is spelled without its trailing space, leaving the instants as they were', async () => {
    const { collection, dav, url } = await calendar();
    await dav.put(`${url}planning.ics`, fixture('outlook-windows-tz-meeting.ics'), 201);
    const text = (await dav.expect(200, 'GET', `${url}planning.ics`)).text;
    assert.equal(instantByOwnVtimezone(text), '2026-12-03T09:00:00.000Z');
    assert.match(text, /^TZID:W\. Europe Standard Time\r?$/m, 'the client\'s own VTIMEZONE is kept');
    assert.equal((await storedItems(collection.id))[0]!.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
  });

  it('refuses a TZID that is neither defined nor a known zone with 403 valid-calendar-data, storing nothing', async () => {
    const { collection, dav, url } = await calendar('Europe/Berlin');
    const res = await dav.put(`${url}nowhere.ics`, event('nowhere@client.test', 'DTSTART;TZID=Office Time:20261203T100000', 'DURATION:PT1H'), 403);
    assert.equal(errorCondition(res.text), `{${CALDAV}}valid-calendar-data`);
    assert.match(res.text, /Office Time/);
    assert.deepEqual(await storedItems(collection.id), []);
  });
});

describe('PUT that defines its zones', () => {
  it('stores a custom VTIMEZONE byte for byte and answers with the ETag', async () => {
    const { dav, url } = await calendar();
    const sent = fixture('custom-tzid-with-vtimezone.ics');
    const put = await dav.put(`${url}custom.ics`, sent, 201);
    const get = await dav.expect(200, 'GET', `${url}custom.ics`);
    assert.equal(get.text, sent);
    assert.equal(put.headers.get('etag'), get.headers.get('etag'));
    assert.equal(instantByOwnVtimezone(get.text), '2026-12-04T03:30:00.000Z');
  });

  it('stores floating and UTC times as sent: they name no zone', async () => {
    const { dav, url } = await calendar();
    const sent = event('floating@client.test', 'DTSTART:20261203T100000', 'DURATION:PT1H', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@client.test');
    const put = await dav.put(`${url}floating.ics`, sent, 201);
    assert.ok(put.headers.get('etag'));
    const text = (await dav.expect(200, 'GET', `${url}floating.ics`)).text;
    assert.equal(text, sent);
    assert.equal(new ICAL.Component(ICAL.parse(text) as unknown[]).getAllSubcomponents('vtimezone').length, 0);
  });
});
