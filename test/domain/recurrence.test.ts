// Recurrence walks have a step budget (recurrence.ts): a rule that never
// matches ends the walk instead of spinning in ical.js, on every path that
// walks stored data (time ranges, expansion, free-busy, reminders).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { MAX_RECURRENCE_STEPS } from '../../src/consts.ts';
import { occurrencesBetween } from '../../src/domain/alerts/occurrences.ts';
import { parseVcalendar } from '../../src/domain/icalendar.ts';
import { instancesUntil } from '../../src/domain/instances.ts';
import { RecurrenceWalk } from '../../src/domain/recurrence.ts';
import { eventIcs } from '../helpers/world.ts';

const NEVER = 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30';
const withRule = (rule: string) => eventIcs('walk@example.com', { start: '20260105T100000Z', end: '20260105T110000Z', extra: `${rule}\r\nBEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT15M\r\nATTENDEE:mailto:a@example.com\r\nSUMMARY:r\r\nDESCRIPTION:r\r\nEND:VALARM` });
const master = (text: string) => parseVcalendar(text).getFirstSubcomponent('vevent')!;

describe('RecurrenceWalk', () => {
  it('gives every instance of a rule that ends, then says it is complete', () => {
    const event = master(withRule('RRULE:FREQ=WEEKLY;COUNT=4'));
    const walk = new RecurrenceWalk(event, event.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>);
    const starts: string[] = [];
    for (let t = walk.next(); t; t = walk.next()) starts.push(t.toString());
    assert.deepEqual(starts, ['2026-01-05T10:00:00Z', '2026-01-12T10:00:00Z', '2026-01-19T10:00:00Z', '2026-01-26T10:00:00Z']);
    assert.equal(walk.ended, 'complete');
  });

  for (const rule of [NEVER, 'RRULE:FREQ=WEEKLY;BYWEEKNO=1;BYMONTH=6;COUNT=3', 'RRULE:FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYDAY=MO']) {
    it(`stops at the step budget on a rule that never matches (${rule})`, () => {
      const event = master(withRule(rule));
      const walk = new RecurrenceWalk(event, event.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>);
      while (walk.next());
      assert.equal(walk.ended, 'budget');
      assert.ok(walk.given <= 1, `at most DTSTART itself, got ${walk.given}`);
    });
  }

  it('bounds an iterator made outside it too (ical.js used directly)', () => {
    const event = master(withRule(NEVER));
    const iterator = (event.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur>).iterator(event.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>);
    iterator.next();
    assert.throws(() => iterator.next(), /recurrence step budget spent/);
  });

  it('has a budget that a long legitimate series fits in: a weekday series walked 50 years', () => {
    const event = master(withRule('RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR'));
    const walk = new RecurrenceWalk(event, event.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>);
    let last: InstanceType<typeof ICAL.Time> | null = null;
    for (let i = 0; i < 50 * 261; i++) last = walk.next();
    assert.equal(walk.ended, null, `still going after ${walk.given} instances (budget ${MAX_RECURRENCE_STEPS} steps)`);
    assert.equal(last!.year, 2076);
  });
});

describe('reads of an item stored before the limits, whose rule never matches', () => {
  const text = withRule(NEVER);

  // ical.js looks for the second instance before it hands out the first, so
  // the walk may end before DTSTART: such data has no trustworthy instances.
  it('time ranges and expansion end, with at most DTSTART', () => {
    const instances = instancesUntil(parseVcalendar(text), 'VEVENT', new Date('2030-01-01T00:00:00Z'), 'Europe/Berlin');
    assert.ok(instances.every((i) => i.start?.toISOString() === '2026-01-05T10:00:00.000Z') && instances.length <= 1, JSON.stringify(instances.map((i) => i.start)));
  });

  it('reminders end, with at most DTSTART', () => {
    const found = occurrencesBetween(text, 'Europe/Berlin', new Date('2026-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    assert.ok(found.every((o) => o.start.toISOString() === '2026-01-05T10:00:00.000Z') && found.length <= 1, JSON.stringify(found.map((o) => o.start)));
  });
});
