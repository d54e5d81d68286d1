// REPORTs: calendar-multiget, calendar-query (time ranges through
// recurrence expansion, VTODO rules, text and property filters),
// sync-collection (RFC 6578) and free-busy-query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient, errorCondition, propText, startServer, type Multistatus } from '../helpers/dav.ts';
import { fixture } from '../helpers/fixtures.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('dav_reports');
const base = await startServer(store);

async function calendar() {
  const user = await makeUser(store, 'rep');
  const collection = await makeCollection(store, user, { slug: 'cal', timeZone: 'Europe/Berlin' });
  const dav = new DavClient(base, user.email);
  return { user, collection, dav, url: `${dav.home}cal/` };
}

const names = (ms: Multistatus) => ms.responses.map((r) => r.href.slice(r.href.lastIndexOf('/') + 1)).sort();

function todo(uid: string, lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20261101T000000Z', `SUMMARY:${uid}`, ...lines, 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
}

function query(filter: string, extraProp = ''): string {
  return `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/>${extraProp}</d:prop><c:filter><c:comp-filter name="VCALENDAR">${filter}</c:comp-filter></c:filter></c:calendar-query>`;
}

const range = (start: string, end: string) => `<c:time-range start="${start}" end="${end}"/>`;

describe('calendar-multiget', () => {
  it('returns each named item with its ETag and data, and 404 for names that hold nothing', async () => {
    const { dav, url } = await calendar();
    const a = (await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'Alpha' }), 201)).headers.get('etag');
    await dav.put(`${url}b.ics`, eventIcs('b'), 201);
    const ms = await dav.report(
      url,
      `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/><c:calendar-data/></d:prop>
        <d:href>${url}a.ics</d:href><d:href>${base}${url}b.ics</d:href><d:href>${url}gone.ics</d:href><d:href>/dav/calendars/someone@else.org/cal/a.ics</d:href></c:calendar-multiget>`,
    );
    assert.equal(propText(ms.byHref(`${url}a.ics`), '{DAV:}getetag'), a);
    assert.match(propText(ms.byHref(`${url}a.ics`), `{${CALDAV}}calendar-data`), /SUMMARY:Alpha/);
    assert.ok(propText(ms.byHref(`${url}b.ics`), '{DAV:}getetag'));
    assert.equal(ms.byHref(`${url}gone.ics`).status, 404);
    assert.equal(ms.byHref('/dav/calendars/someone@else.org/cal/a.ics').status, 404);
  });
});

describe('calendar-query', () => {
  it('matches a weekly event through an occurrence, and a moved exception by its own time', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}standup.ics`, fixture('weekly-standup-with-exception.ics'), 201);
    await dav.put(`${url}single.ics`, eventIcs('single', { start: '20261026T100000Z', end: '20261026T110000Z' }), 201);
    const week = (start: string, end: string) => dav.report(url, query(`<c:comp-filter name="VEVENT">${range(start, end)}</c:comp-filter>`));
    // Third Monday (Nov 9) only through expansion: the master starts Oct 26.
    assert.deepEqual(names(await week('20261102T000000Z', '20261103T000000Z')), ['standup.ics']);
    // Nov 9's instance moved to Nov 10: Monday Nov 9 is free, Tuesday Nov 10 is not.
    assert.deepEqual(names(await week('20261109T000000Z', '20261110T000000Z')), []);
    assert.deepEqual(names(await week('20261110T000000Z', '20261111T000000Z')), ['standup.ics']);
    // After the COUNT=4 ends (Nov 16 is the last) nothing matches.
    assert.deepEqual(names(await week('20261117T000000Z', '20261201T000000Z')), []);
    assert.deepEqual(names(await week('20261026T000000Z', '20261027T000000Z')), ['single.ics', 'standup.ics']);
  });

  it('applies the VTODO time-range rules of RFC 4791 9.9', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}due.ics`, todo('due', ['DUE:20261205T120000Z']), 201);
    await dav.put(`${url}start.ics`, todo('start', ['DTSTART:20261210T090000Z']), 201);
    await dav.put(`${url}span.ics`, todo('span', ['DTSTART:20261201T090000Z', 'DUE:20261220T090000Z']), 201);
    await dav.put(`${url}done.ics`, todo('done', ['COMPLETED:20261203T100000Z']), 201);
    await dav.put(`${url}undated.ics`, todo('undated', []), 201);
    const tasks = (start: string, end: string) => dav.report(url, query(`<c:comp-filter name="VTODO">${range(start, end)}</c:comp-filter>`));
    assert.deepEqual(names(await tasks('20261205T000000Z', '20261206T000000Z')), ['due.ics', 'span.ics', 'undated.ics']);
    assert.deepEqual(names(await tasks('20261203T000000Z', '20261204T000000Z')), ['done.ics', 'span.ics', 'undated.ics']);
    assert.deepEqual(names(await tasks('20261210T000000Z', '20261211T000000Z')), ['span.ics', 'start.ics', 'undated.ics']);
    assert.deepEqual(names(await tasks('20270101T000000Z', '20270102T000000Z')), ['undated.ics']);
  });

  it('filters by property text (case-insensitive, negated) and by absence', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'Dentist appointment', extra: 'LOCATION:Main St' }), 201);
    await dav.put(`${url}b.ics`, eventIcs('b', { summary: 'Lunch' }), 201);
    const match = (text: string, negate = false) =>
      dav.report(url, query(`<c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match${negate ? ' negate-condition="yes"' : ''}>${text}</c:text-match></c:prop-filter></c:comp-filter>`));
    assert.deepEqual(names(await match('DENTIST')), ['a.ics']);
    assert.deepEqual(names(await match('dentist', true)), ['b.ics']);
    const noLocation = await dav.report(url, query('<c:comp-filter name="VEVENT"><c:prop-filter name="LOCATION"><c:is-not-defined/></c:prop-filter></c:comp-filter>'));
    assert.deepEqual(names(noLocation), ['b.ics']);
    const todos = await dav.report(url, query('<c:comp-filter name="VTODO"/>'));
    assert.deepEqual(names(todos), []);
    const bad = await dav.expect(403, 'REPORT', url, { body: query('<c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match collation="i;klingon">x</c:text-match></c:prop-filter></c:comp-filter>') });
    assert.equal(errorCondition(bad.text), `{${CALDAV}}supported-collation`);
  });

  it('expands a recurring event into its instances on request', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}standup.ics`, fixture('weekly-standup-with-exception.ics'), 201);
    const ms = await dav.report(url, query(`<c:comp-filter name="VEVENT">${range('20261101T000000Z', '20261115T000000Z')}</c:comp-filter>`, `<c:calendar-data><c:expand start="20261101T000000Z" end="20261115T000000Z"/></c:calendar-data>`));
    const data = propText(ms.byHref(`${url}standup.ics`), `{${CALDAV}}calendar-data`);
    assert.doesNotMatch(data, /RRULE/);
    assert.deepEqual([...data.matchAll(/RECURRENCE-ID:(\S+)/g)].map((m) => m[1]), ['20261109T143000Z', '20261102T143000Z']);
    assert.match(data, /DTSTART:20261110T150000Z/);
  });

  it('expands a weekly event over two weeks into two different instances, each once', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}weekly.ics`, eventIcs('weekly', { summary: 'Weekly', start: '20261102T090000Z', end: '20261102T100000Z', extra: 'RRULE:FREQ=WEEKLY' }), 201);
    const expand = `<c:calendar-data><c:expand start="20261101T000000Z" end="20261115T000000Z"/></c:calendar-data>`;
    const ms = await dav.report(url, query(`<c:comp-filter name="VEVENT">${range('20261101T000000Z', '20261115T000000Z')}</c:comp-filter>`, expand));
    const data = propText(ms.byHref(`${url}weekly.ics`), `{${CALDAV}}calendar-data`);
    assert.deepEqual([...data.matchAll(/^RECURRENCE-ID:(\S+)/gm)].map((m) => m[1]), ['20261102T090000Z', '20261109T090000Z']);
    assert.deepEqual([...data.matchAll(/^DTSTART:(\S+)/gm)].map((m) => m[1]), ['20261102T090000Z', '20261109T090000Z']);
  });
});

describe('sync-collection', () => {
  const sync = (token: string, extra = '') =>
    `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${extra}<d:prop><d:getetag/></d:prop></d:sync-collection>`;

  it('syncs initially, then incrementally with changes, deletions as 404 members, and an empty no-change answer', async () => {
    const { dav, url, user, collection } = await calendar();
    await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    await dav.put(`${url}b.ics`, eventIcs('b'), 201);
    const initial = await dav.report(url, sync(''));
    assert.deepEqual(names(initial), ['a.ics', 'b.ics']);
    assert.ok(initial.responses.every((r) => r.props.get('{DAV:}getetag')?.status === 200));
    const t1 = initial.syncToken!;

    const none = await dav.report(url, sync(t1));
    assert.deepEqual(none.responses, []);
    assert.equal(none.syncToken, t1);

    await dav.put(`${url}a.ics`, eventIcs('a', { summary: 'changed' }), 204);
    await dav.expect(204, 'DELETE', `${url}b.ics`);
    await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs('mailed'), origin: 'email' });
    const next = await dav.report(url, sync(t1));
    assert.deepEqual(names(next), ['a.ics', 'b.ics', 'mailed.ics']);
    assert.equal(next.byHref(`${url}b.ics`).status, 404);
    assert.ok(propText(next.byHref(`${url}mailed.ics`), '{DAV:}getetag'));
    assert.notEqual(next.syncToken, t1);

    const limited = await dav.report(url, sync(t1, '<d:limit><d:nresults>1</d:nresults></d:limit>'));
    assert.deepEqual(names(limited).filter((n) => n !== ''), ['a.ics'], 'one change, and the 507 for the collection itself');
    assert.equal(limited.byHref(url).status, 507);
    const rest = await dav.report(url, sync(limited.syncToken!));
    assert.deepEqual(names(rest), ['b.ics', 'mailed.ics']);
  });

  it('answers an invalid, foreign-epoch or too-new token with valid-sync-token', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}a.ics`, eventIcs('a'), 201);
    const token = (await dav.report(url, sync(''))).syncToken!;
    const [epoch, position] = token.split('-');
    for (const bad of ['garbage', `${'0'.repeat(32)}-${position}`, `${epoch}-${Number(position) + 5}`]) {
      const res = await dav.expect(403, 'REPORT', url, { body: sync(bad) });
      assert.equal(errorCondition(res.text), '{DAV:}valid-sync-token', bad);
    }
  });
});

describe('free-busy-query', () => {
  it('reports busy time from opaque events, recurrences expanded, merged, transparent and cancelled ones left out', async () => {
    const { dav, url } = await calendar();
    await dav.put(`${url}standup.ics`, fixture('weekly-standup-with-exception.ics'), 201);
    await dav.put(`${url}a.ics`, eventIcs('a', { start: '20261102T150000Z', end: '20261102T160000Z' }), 201);
    await dav.put(`${url}b.ics`, eventIcs('b', { start: '20261102T153000Z', end: '20261102T170000Z' }), 201);
    await dav.put(`${url}free.ics`, eventIcs('free', { start: '20261102T080000Z', end: '20261102T090000Z', extra: 'TRANSP:TRANSPARENT' }), 201);
    await dav.put(`${url}off.ics`, eventIcs('off', { start: '20261102T100000Z', end: '20261102T110000Z', extra: 'STATUS:CANCELLED' }), 201);
    const res = await dav.expect(200, 'REPORT', url, {
      headers: { Depth: '1' },
      body: `<c:free-busy-query xmlns:c="${CALDAV}">${range('20261102T000000Z', '20261103T000000Z')}</c:free-busy-query>`,
    });
    assert.match(res.headers.get('content-type')!, /^text\/calendar/);
    const periods = [...res.text.matchAll(/^FREEBUSY;FBTYPE=(\S+):(\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(periods, ['BUSY 20261102T143000Z/20261102T144500Z', 'BUSY 20261102T150000Z/20261102T170000Z']);
  });
});
