import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTzid, wallClockToUtc, zoneOffsetMs } from '../../src/domain/timezones.ts';

describe('resolveTzid', () => {
  const cases: [string, string | null][] = [
    ['Europe/Berlin', 'Europe/Berlin'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['"W. Europe Standard Time "', 'Europe/Berlin'],
    ['Eastern Standard Time', 'America/New_York'],
    ['Pacific Standard Time  ', 'America/Los_Angeles'],
    ['/mozilla.org/20050126_1/Europe/Paris', 'Europe/Paris'],
    ['/freeassociation.sourceforge.net/Tzfile/America/Chicago', 'America/Chicago'],
    ['UTC', 'UTC'],
    ['GMT', 'UTC'],
    ['Custom Office Time', null],
    ['', null],
  ];
  for (const [tzid, expected] of cases) {
    it(`${JSON.stringify(tzid)} -> ${expected}`, () => assert.equal(resolveTzid(tzid), expected));
  }
});

describe('wallClockToUtc', () => {
  it('converts ordinary times in and out of DST', () => {
    assert.equal(wallClockToUtc({ year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0 }, 'Europe/Berlin').toISOString(), '2026-07-01T10:00:00.000Z');
    assert.equal(wallClockToUtc({ year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0 }, 'Europe/Berlin').toISOString(), '2026-01-15T11:00:00.000Z');
    assert.equal(wallClockToUtc({ year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0 }, 'Asia/Kolkata').toISOString(), '2026-01-15T06:30:00.000Z');
  });
  it('handles the southern hemisphere', () => {
    assert.equal(wallClockToUtc({ year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0 }, 'Australia/Sydney').toISOString(), '2026-01-15T01:00:00.000Z');
  });
  it('reports offsets', () => {
    assert.equal(zoneOffsetMs('America/New_York', Date.UTC(2026, 6, 1)), -4 * 3600_000);
    assert.equal(zoneOffsetMs('UTC', Date.UTC(2026, 6, 1)), 0);
  });
});
