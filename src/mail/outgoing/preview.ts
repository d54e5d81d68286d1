// `npm run preview:mail`: renders every message template with sample data
// to var/preview/ (override with an argument) as <name>.txt, <name>.html and
// a complete <name>.eml built by the real mailer, so a person can look at
// them in a browser or a mail client. Needs no database.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ItemChange } from '../../domain/alerts/change-summary.ts';
import type { BatchDetails } from '../../domain/alerts/composer.ts';
import type { ItemDetails } from '../../domain/alerts/item-details.ts';
import type { Occurrence } from '../../domain/alerts/occurrences.ts';
import type { OutgoingMessage } from '../../domain/outbox/enqueue.ts';
import { newMessageId, randomToken } from '../../domain/outbox/message-ids.ts';
import { alertMessage } from './compose/alert.ts';
import { confirmationMessage } from './compose/confirmation.ts';
import { digestMessage } from './compose/digest.ts';
import { frozenNotice } from './compose/notices.ts';
import { reminderMessage } from './compose/reminder.ts';
import { createMailer } from './outbox/mailer.ts';
import { loadMailTemplates } from './templates.ts';

const settings = { mailDomain: 'tidings.example', publicUrl: 'https://tidings.example', unsubscribeSecret: 'preview-secret-preview-secret-preview' };
const family = { id: 12n, name: 'Family', timeZone: 'Europe/Berlin' };
const bob = { userId: 7n, email: 'bob@example.org', displayName: 'Bob Baker', timeZone: 'America/New_York' };
const ics = (uid: string, summary: string, start: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings preview//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261125T080000Z', `DTSTART:${start}`, `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
const item = (uid: string, summary: string, start: string, location = ''): ItemDetails => ({
  uid,
  resourceName: `${uid}.ics`,
  summary,
  startUtc: new Date(start),
  endUtc: new Date(new Date(start).getTime() + 3600_000),
  allDay: false,
  location,
  status: '',
  icalendar: ics(uid, summary, start.replace(/[-:]/g, '').replace(/\.\d+/, '')),
});
const at = new Date('2026-11-25T09:40:00Z');
const changes: ItemChange[] = [
  { uid: 'dentist', resourceName: 'dentist.ics', change: 'added', fields: [], by: [{ userId: 1n, origin: 'caldav' }], lastAt: at },
  { uid: 'school', resourceName: 'school.ics', change: 'changed', fields: ['summary', 'start', 'location'], by: [{ userId: 2n, origin: 'email' }], lastAt: at },
  { uid: 'piano', resourceName: 'piano.ics', change: 'removed', fields: [], by: [{ userId: 1n, origin: 'web' }], lastAt: at },
];
const details: BatchDetails = {
  items: new Map([
    ['dentist', item('dentist', 'Dentist — Dr. Ng', '2026-12-01T09:00:00Z', 'Main Street 1')],
    ['school', item('school', 'School concert (moved)', '2026-12-04T17:30:00Z', 'Great Hall')],
  ]),
  snapshots: new Map([
    ['school', { summary: 'School concert', startUtc: new Date('2026-12-03T17:00:00Z'), location: 'Gym' }],
    ['piano', { summary: 'Piano lesson', startUtc: new Date('2026-11-27T15:00:00Z'), location: '' }],
  ]),
  actors: new Map([
    [1n, 'Alice Liddell'],
    [2n, 'Carol <script>alert(1)</script>'],
  ]),
};
const occurrence = (summary: string, start: string, minutes: number, location = ''): Occurrence => ({
  recurrenceId: new Date(start),
  start: new Date(start),
  end: new Date(new Date(start).getTime() + minutes * 60_000),
  allDay: false,
  summary,
  location,
  description: '',
  status: '',
  alarms: [],
});

export async function renderPreviews(outDir: string): Promise<string[]> {
  const t = loadMailTemplates();
  const messages: Array<[string, OutgoingMessage]> = [
    ['alert', alertMessage(t, settings, family, bob, changes, details)],
    ['alert-single', alertMessage(t, settings, family, bob, changes.slice(0, 1), details)],
    [
      'digest',
      digestMessage(t, settings, family, bob, {
        localDate: '2026-11-25',
        yesterday: '2026-11-24',
        changes,
        details: { ...details, snapshots: new Map([...details.snapshots].filter(([k]) => k === 'piano')) },
        agenda: [
          { occurrence: occurrence('Standup', '2026-11-25T08:00:00Z', 15, 'Room 4'), resourceName: 'standup.ics' },
          { occurrence: occurrence('Swimming', '2026-11-25T17:00:00Z', 60, 'Pool'), resourceName: 'swim.ics' },
        ],
      }),
    ],
    [
      'reminder',
      reminderMessage(t, settings, family, bob, {
        occurrence: { ...occurrence('Dentist — Dr. Ng', '2026-12-01T09:00:00Z', 45, 'Main Street 1'), description: 'Bring the insurance card.' },
        uid: 'dentist',
        resourceName: 'dentist.ics',
        icalendar: details.items.get('dentist')!.icalendar,
      }),
    ],
    [
      'confirmation',
      confirmationMessage(t, settings, {
        to: 'carol@example.net',
        collection: family,
        originalSubject: 'Fwd: Invitation: School concert',
        inReplyTo: '<CAF-abc@mail.example.net>',
        items: [{ summary: 'School concert', kind: 'event', start: new Date('2026-12-04T17:30:00Z'), resourceName: 'school.ics' }],
      }),
    ],
    ['alerts-frozen', frozenNotice(t, settings, family, bob, { reason: '812 changed items within an hour, over the budget of 300 per hour', frozenAt: at })],
  ];
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const mailer = createMailer({ mailDomain: settings.mailDomain, outboundSmtpUrl: null, mail: { from: 'Tidings <notifications@tidings.example>', outboxDir: path.join(outDir, 'eml'), dkim: null } });
  const written: string[] = [];
  let id = 1n;
  for (const [name, m] of messages) {
    await writeFile(path.join(outDir, `${name}.txt`), `Subject: ${m.subject}\n\n${m.text}`);
    await writeFile(path.join(outDir, `${name}.html`), m.html ?? '');
    await mailer.send({
      id: id++,
      kind: name,
      recipient: m.to,
      messageId: newMessageId(m.kind, settings.mailDomain),
      verpToken: randomToken(),
      payload: { from: m.from, toName: m.toName, subject: m.subject, text: m.text, html: m.html, headers: m.headers ?? {}, attachments: m.attachments ?? [] },
    });
    written.push(name);
  }
  mailer.close();
  return written;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const out = path.resolve(process.argv[2] ?? fileURLToPath(new URL('../../../var/preview/', import.meta.url)));
  renderPreviews(out).then(
    (names) => console.log(`rendered ${names.join(', ')} to ${out} (.txt, .html; complete messages in ${path.join(out, 'eml')})`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
