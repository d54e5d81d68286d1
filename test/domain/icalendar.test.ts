import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInput } from '../../src/domain/errors.ts';
import { changedFields, parseCalendarObject } from '../../src/domain/icalendar.ts';
import { fixture } from '../helpers/fixtures.ts';

const berlin = { floatingZone: 'Europe/Berlin' };
const utc = { floatingZone: 'UTC' };

function ics(body: string, extra = ''): string {
  return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${extra}${body}END:VCALENDAR\r\n`;
}

function rejects(text: string, reason: string, message?: RegExp) {
  assert.throws(
    () => parseCalendarObject(text, utc),
    (err: unknown) => {
      assert.ok(err instanceof InvalidInput, `expected InvalidInput, got ${String(err)}`);
      assert.equal(err.reason, reason);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('parseCalendarObject: indexed fields', () => {
  it('maps a quoted Windows TZID with a trailing space (Outlook) to Europe/Berlin', () => {
    const item = parseCalendarObject(fixture('outlook-windows-tz-meeting.ics'), utc);
    assert.equal(item.kind, 'VEVENT');
    assert.equal(item.summary, 'Quarterly planning');
    assert.equal(item.uid.slice(0, 12), '040000008200');
    assert.equal(item.startUtc?.toISOString(), '2026-12-03T09:00:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-12-03T10:30:00.000Z');
    assert.equal(item.isRecurring, false);
  });

  it('spans a bounded weekly series across a DST change, including a moved occurrence', () => {
    const item = parseCalendarObject(fixture('weekly-standup-with-exception.ics'), utc);
    assert.equal(item.isRecurring, true);
    assert.equal(item.summary, 'Team standup', 'the master, not the exception, names the item');
    // Oct 26 09:30 EDT (-4) ... Nov 16 09:30 EST (-5) + 15 minutes.
    assert.equal(item.startUtc?.toISOString(), '2026-10-26T13:30:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-11-16T14:45:00.000Z');
  });

  it('indexes an unbounded rule with no end', () => {
    const item = parseCalendarObject(fixture('daily-forever.ics'), utc);
    assert.equal(item.isRecurring, true);
    assert.equal(item.startUtc?.toISOString(), '2026-11-01T08:00:00.000Z');
    assert.equal(item.endUtc, null);
  });

  it('places all-day events in the floating zone with an exclusive end date', () => {
    const item = parseCalendarObject(fixture('all-day-holiday.ics'), berlin);
    assert.equal(item.startUtc?.toISOString(), '2026-12-24T23:00:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-12-26T23:00:00.000Z');
    const inUtc = parseCalendarObject(fixture('all-day-holiday.ics'), utc);
    assert.equal(inUtc.startUtc?.toISOString(), '2026-12-25T00:00:00.000Z');
  });

  it('anchors a task without DTSTART on its DUE date', () => {
    const item = parseCalendarObject(fixture('task-with-due.ics'), utc);
    assert.equal(item.kind, 'VTODO');
    assert.equal(item.summary, 'Renew passport');
    assert.equal(item.startUtc?.toISOString(), '2026-12-15T00:00:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-12-15T00:00:00.000Z');
  });

  it('gives a task with neither DTSTART nor DUE no bounds (matches every range)', () => {
    const item = parseCalendarObject(ics('BEGIN:VTODO\r\nUID:t1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Someday\r\nEND:VTODO\r\n'), utc);
    assert.equal(item.startUtc, null);
    assert.equal(item.endUtc, null);
  });

  it('reads a journal entry', () => {
    const item = parseCalendarObject(fixture('journal-note.ics'), utc);
    assert.equal(item.kind, 'VJOURNAL');
    assert.equal(item.startUtc?.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-11-02T00:00:00.000Z');
  });

  it("falls back to the calendar's own VTIMEZONE for an unknown TZID, never floating", () => {
    const item = parseCalendarObject(fixture('custom-tzid-with-vtimezone.ics'), berlin);
    assert.equal(item.startUtc?.toISOString(), '2026-12-04T03:30:00.000Z');
    assert.equal(item.endUtc?.toISOString(), '2026-12-04T04:30:00.000Z');
  });

  it('treats floating date-times in the collection zone', () => {
    const text = ics('BEGIN:VEVENT\r\nUID:f1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20260701T120000\r\nDTEND:20260701T130000\r\nEND:VEVENT\r\n');
    assert.equal(parseCalendarObject(text, berlin).startUtc?.toISOString(), '2026-07-01T10:00:00.000Z');
    assert.equal(parseCalendarObject(text, utc).startUtc?.toISOString(), '2026-07-01T12:00:00.000Z');
  });

  it('moves a time inside a DST gap forward and takes the first of an ambiguous time', () => {
    const at = (local: string) =>
      parseCalendarObject(ics(`BEGIN:VEVENT\r\nUID:g\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berlin:${local}\r\nEND:VEVENT\r\n`), utc).startUtc?.toISOString();
    assert.equal(at('20260329T023000'), '2026-03-29T01:30:00.000Z');
    assert.equal(at('20261025T023000'), '2026-10-25T00:30:00.000Z');
    assert.equal(at('20261025T033000'), '2026-10-25T02:30:00.000Z');
  });

  it('uses DURATION when there is no DTEND', () => {
    const item = parseCalendarObject(
      ics('BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nDURATION:PT1H30M\r\nEND:VEVENT\r\n'),
      utc,
    );
    assert.equal(item.endUtc?.toISOString(), '2026-12-01T11:30:00.000Z');
  });
});

describe('parseCalendarObject: refusals carry the reason', () => {
  it('refuses unparseable data', () => rejects(fixture('broken-unterminated.ics'), 'valid-calendar-data', /could not be parsed/));
  it('refuses empty data', () => rejects('  ', 'valid-calendar-data'));
  it('refuses something that is not a VCALENDAR', () => rejects('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana\r\nEND:VCARD\r\n', 'valid-calendar-data', /VCALENDAR/));
  it('refuses METHOD in a stored object (RFC 4791 4.1)', () =>
    rejects(ics('BEGIN:VEVENT\r\nUID:m\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\n', 'METHOD:REQUEST\r\n'), 'valid-calendar-object-resource', /METHOD/));
  it('refuses two UIDs in one object', () =>
    rejects(
      ics('BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\n'),
      'valid-calendar-object-resource',
      /share one UID/,
    ));
  it('refuses mixed component types', () =>
    rejects(
      ics('BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nEND:VTODO\r\n'),
      'valid-calendar-object-resource',
    ));
  it('refuses a component without UID', () =>
    rejects(ics('BEGIN:VEVENT\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\n'), 'valid-calendar-object-resource', /UID/));
  it('refuses unsupported components', () =>
    rejects(ics('BEGIN:VFREEBUSY\r\nUID:fb\r\nDTSTAMP:20261101T000000Z\r\nEND:VFREEBUSY\r\n'), 'supported-calendar-component'));
  it('refuses an event that ends before it starts', () =>
    rejects(ics('BEGIN:VEVENT\r\nUID:n\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T090000Z\r\nEND:VEVENT\r\n'), 'valid-calendar-data', /ends before/));
  it('refuses two masters for one UID', () =>
    rejects(
      ics('BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261202T100000Z\r\nEND:VEVENT\r\n'),
      'valid-calendar-object-resource',
    ));
  it('refuses oversized objects', () =>
    rejects(ics(`BEGIN:VEVENT\r\nUID:big\r\nDTSTAMP:20261101T000000Z\r\nDESCRIPTION:${'x'.repeat(1_100_000)}\r\nEND:VEVENT\r\n`), 'max-resource-size'));
});

describe('changedFields', () => {
  it('names the fields that differ between two versions', () => {
    const before = parseCalendarObject(fixture('outlook-windows-tz-meeting.ics'), utc);
    const moved = fixture('outlook-windows-tz-meeting.ics').replace('T100000', 'T140000').replace('T113000', 'T153000').replace('Room Spree', 'Room Havel');
    const after = parseCalendarObject(moved, utc);
    assert.deepEqual(changedFields(before.fields, after.fields), ['start', 'end', 'location']);
    assert.deepEqual(changedFields(before.fields, before.fields), []);
  });
});
