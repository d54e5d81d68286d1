// Joining stored objects into one calendar (export, feeds): every component
// of every object comes out, each VTIMEZONE once, the inputs untouched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { joinCalendarObjects } from '../../src/domain/calendar-export.ts';
import { cloneComponent, copyComponents } from '../../src/domain/ical-components.ts';
import { fixture } from '../helpers/fixtures.ts';

const parse = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);
const names = (text: string) => parse(text).getAllSubcomponents().map((c) => `${c.name}:${String(c.getFirstPropertyValue('tzid') ?? c.getFirstPropertyValue('recurrence-id')?.toString() ?? 'master')}`);

describe('joinCalendarObjects', () => {
  it('keeps the event of an object whose VTIMEZONE comes first, and both parts of a recurring event with an exception', () => {
    const joined = joinCalendarObjects([fixture('outlook-windows-tz-meeting.ics'), fixture('weekly-standup-with-exception.ics')], 'Work');
    assert.deepEqual(names(joined), [
      'vtimezone:W. Europe Standard Time',
      'vevent:master',
      'vtimezone:America/New_York',
      'vevent:master',
      'vevent:2026-11-09T09:30:00',
    ]);
  });

  it('keeps every VTIMEZONE of an object that has several, and includes a zone shared by two objects once', () => {
    const joined = joinCalendarObjects([fixture('corpus/flight-two-time-zones.ics'), fixture('corpus/thunderbird-event-with-alarm.ics')]);
    assert.deepEqual(names(joined), ['vtimezone:Europe/Berlin', 'vtimezone:America/New_York', 'vevent:master', 'vevent:master']);
  });
});

describe('copyComponents', () => {
  it('copies every child in order and leaves the source as it was', () => {
    const source = parse(fixture('corpus/recurring-overrides-and-exdates.ics'));
    const before = source.toString();
    const into = new ICAL.Component('vcalendar');
    copyComponents(source, into);
    assert.equal(into.getAllSubcomponents().length, 5);
    assert.equal(source.toString(), before);
  });

  it('makes copies that share nothing with the original', () => {
    const event = parse(fixture('weekly-standup-with-exception.ics')).getFirstSubcomponent('vevent')!;
    const copy = cloneComponent(event);
    copy.removeAllProperties('dtstart');
    assert.ok(event.hasProperty('dtstart'));
  });
});
