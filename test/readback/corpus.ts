// The corpus of real client shapes the read-back table runs, each with what
// must come back: its components (as calendar-signature.ts writes them, UTC
// instants worked out by hand from the fixture) and, where <expand> changes
// the answer, the instances of EXPAND_RANGE (RFC 4791 9.6.5).

export const EXPAND_RANGE = { start: '20261001T000000Z', end: '20270101T000000Z' };

export interface CorpusEntry {
  /** Under test/fixtures/. */
  file: string;
  /** What it stands for, in the table's row name. */
  shape: string;
  uid: string;
  kind: 'VEVENT' | 'VTODO' | 'VJOURNAL';
  components: string[];
  /** The instances in EXPAND_RANGE, when the object recurs (else the components come back as they are). */
  expanded?: string[];
}

const ev = (rid: string, start: string, end: string, summary: string, nested = '') =>
  `VEVENT rid=${rid} start=${start} end=${end} summary=${summary}${nested ? ` ${nested}` : ''}`;

export const CORPUS: CorpusEntry[] = [
  {
    file: 'outlook-windows-tz-meeting.ics',
    shape: 'Outlook: Windows TZID (quoted, trailing space) with its VTIMEZONE',
    uid: '040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5010000000000000000100000001234567890ABCDEF',
    kind: 'VEVENT',
    // 10:00 W. Europe Standard Time in December is UTC+1.
    components: [ev('-', '2026-12-03T09:00:00Z', '2026-12-03T10:30:00Z', 'Quarterly planning')],
  },
  {
    file: 'corpus/web-ticket-tzid-without-vtimezone.ics',
    shape: 'Web ticket shop: an IANA TZID with no VTIMEZONE (stored data must gain it)',
    uid: 'eb-1029384756-20261212@eventbrite.example',
    kind: 'VEVENT',
    // Vienna in December is UTC+1.
    components: [ev('-', '2026-12-12T18:30:00Z', '2026-12-12T21:00:00Z', 'Jazz im Keller: Winterkonzert')],
  },
  {
    file: 'corpus/gmail-invitation-request.ics',
    shape: 'Gmail invitation: METHOD:REQUEST, VTIMEZONE first, VALARM',
    uid: '7kq2r9s1t3u5v7w9x1y3z5a7b9@google.com',
    kind: 'VEVENT',
    // Lisbon in December is UTC+0.
    components: [ev('-', '2026-12-03T15:00:00Z', '2026-12-03T16:00:00Z', 'Quarterly review', '[VALARM]')],
  },
  {
    file: 'all-day-holiday.ics',
    shape: 'Apple all-day event',
    uid: '5D1A9C2E-7B3F-4E21-9A0C-3F2B1E4D5C6A',
    kind: 'VEVENT',
    components: [ev('-', '2026-12-25', '2026-12-27', 'Christmas holidays')],
  },
  {
    file: 'corpus/thunderbird-event-with-alarm.ics',
    shape: 'Thunderbird event with two VALARMs',
    uid: 'b3c1f0a2-5d4e-4c7a-9e8f-1a2b3c4d5e6f',
    kind: 'VEVENT',
    components: [ev('-', '2026-12-08T07:30:00Z', '2026-12-08T08:15:00Z', 'Dentist', '[VALARM,VALARM]')],
  },
  {
    file: 'corpus/google-calendar-export-weekly.ics',
    shape: 'Google Calendar export: METHOD:PUBLISH, X-WR-*, weekly with UNTIL',
    uid: '4h8j2k6l0m4n8p2q6r0s4t8u2v@google.com',
    kind: 'VEVENT',
    // 18:00 in Los Angeles after 1 November 2026 is 02:00 UTC the next day.
    components: [ev('-', '2026-11-06T02:00:00Z', '2026-11-06T03:30:00Z', 'Swim practice')],
    expanded: [
      ev('2026-11-06T02:00:00Z', '2026-11-06T02:00:00Z', '2026-11-06T03:30:00Z', 'Swim practice'),
      ev('2026-11-13T02:00:00Z', '2026-11-13T02:00:00Z', '2026-11-13T03:30:00Z', 'Swim practice'),
      ev('2026-11-20T02:00:00Z', '2026-11-20T02:00:00Z', '2026-11-20T03:30:00Z', 'Swim practice'),
    ],
  },
  {
    file: 'weekly-standup-with-exception.ics',
    shape: 'Thunderbird weekly event with one moved occurrence, across a DST change',
    uid: 'standup-7f3c2a@example.com',
    kind: 'VEVENT',
    components: [
      ev('-', '2026-10-26T13:30:00Z', '2026-10-26T13:45:00Z', 'Team standup'),
      ev('2026-11-09T14:30:00Z', '2026-11-10T15:00:00Z', '2026-11-10T15:15:00Z', 'Team standup (moved)'),
    ],
    expanded: [
      ev('2026-10-26T13:30:00Z', '2026-10-26T13:30:00Z', '2026-10-26T13:45:00Z', 'Team standup'),
      ev('2026-11-02T14:30:00Z', '2026-11-02T14:30:00Z', '2026-11-02T14:45:00Z', 'Team standup'),
      ev('2026-11-09T14:30:00Z', '2026-11-10T15:00:00Z', '2026-11-10T15:15:00Z', 'Team standup (moved)'),
      ev('2026-11-16T14:30:00Z', '2026-11-16T14:30:00Z', '2026-11-16T14:45:00Z', 'Team standup'),
    ],
  },
  {
    file: 'corpus/recurring-overrides-and-exdates.ics',
    shape: 'Recurring event: two EXDATEs, a moved, a renamed and a cancelled occurrence',
    uid: 'yoga-weekly-2026@example.org',
    kind: 'VEVENT',
    // Berlin is UTC+2 until 25 October 2026, UTC+1 after.
    components: [
      ev('-', '2026-10-13T16:30:00Z', '2026-10-13T17:30:00Z', 'Yoga'),
      ev('2026-10-20T16:30:00Z', '2026-10-21T17:00:00Z', '2026-10-21T18:00:00Z', 'Yoga (Wednesday this week)'),
      ev('2026-11-03T17:30:00Z', '2026-11-03T17:30:00Z', '2026-11-03T18:30:00Z', 'Yoga with a guest teacher'),
      ev('2026-11-17T17:30:00Z', '2026-11-17T17:30:00Z', '2026-11-17T18:30:00Z', 'Yoga'),
    ],
    expanded: [
      ev('2026-10-13T16:30:00Z', '2026-10-13T16:30:00Z', '2026-10-13T17:30:00Z', 'Yoga'),
      ev('2026-10-20T16:30:00Z', '2026-10-21T17:00:00Z', '2026-10-21T18:00:00Z', 'Yoga (Wednesday this week)'),
      ev('2026-11-03T17:30:00Z', '2026-11-03T17:30:00Z', '2026-11-03T18:30:00Z', 'Yoga with a guest teacher'),
      ev('2026-11-17T17:30:00Z', '2026-11-17T17:30:00Z', '2026-11-17T18:30:00Z', 'Yoga'),
    ],
  },
  {
    file: 'corpus/task-due-completed.ics',
    shape: 'VTODO with DTSTART, DUE and COMPLETED (tasks.org)',
    uid: '5029391718251923417',
    kind: 'VTODO',
    components: ['VTODO rid=- start=2026-11-10T08:00:00Z end=2026-11-30T16:00:00Z summary=File the tax return'],
  },
  {
    file: 'task-with-due.ics',
    shape: 'VTODO with an all-day DUE only (Nextcloud Tasks)',
    uid: 'task-renew-passport-42',
    kind: 'VTODO',
    components: ['VTODO rid=- start=- end=2026-12-15 summary=Renew passport'],
  },
  {
    file: 'journal-note.ics',
    shape: 'VJOURNAL',
    uid: 'note-board-meeting-minutes',
    kind: 'VJOURNAL',
    components: ['VJOURNAL rid=- start=2026-11-01 end=- summary=Board meeting minutes'],
  },
  {
    file: 'corpus/flight-two-time-zones.ics',
    shape: 'Two VTIMEZONEs in one object (start in Berlin, end in New York)',
    uid: 'LH400-20261207-FRA-JFK@travel.example',
    kind: 'VEVENT',
    components: [ev('-', '2026-12-07T09:15:00Z', '2026-12-07T18:05:00Z', 'Flight LH 400 FRA-JFK')],
  },
  {
    file: 'custom-tzid-with-vtimezone.ics',
    shape: 'A TZID only its own VTIMEZONE defines',
    uid: 'custom-tz-kickoff@legacy.example',
    kind: 'VEVENT',
    components: [ev('-', '2026-12-04T03:30:00Z', '2026-12-04T04:30:00Z', 'Kickoff in Pune')],
  },
  {
    file: 'corpus/non-ascii-text.ics',
    shape: 'Non-ASCII text: German, Japanese, emoji',
    uid: 'B6E0F2C4-1A3D-4E5F-8A9B-0C1D2E3F4A5B',
    kind: 'VEVENT',
    components: [ev('-', '2026-12-11T09:00:00Z', '2026-12-11T11:00:00Z', 'Grüße aus München – 東京で会議 🎉')],
  },
  {
    file: 'corpus/long-folded-lines.ics',
    shape: 'Long folded lines (Evolution)',
    uid: '20261201T120000Z-4711-1000-1-7@evolution.example',
    kind: 'VEVENT',
    components: [
      ev('-', '2026-12-14T13:00:00Z', '2026-12-14T15:00:00Z', 'Architecture review with a summary long enough that it has to be folded across more than one line by any conforming writer'),
    ],
  },
];
