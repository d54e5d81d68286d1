// Who made a change and how, as an alert says it: "by Ann Example via
// email", for every channel (CalDAV, email, web, API), for an actor nobody
// knows any more, and for several actors and channels on one item, the same
// in the text and the HTML part (and so in digests, which share the list).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertMessage } from '../../src/mail/outgoing/compose/alert.ts';
import { reminderMessage } from '../../src/mail/outgoing/compose/reminder.ts';
import { loadMailTemplates } from '../../src/mail/outgoing/templates.ts';
import type { ItemChange } from '../../src/domain/alerts/change-summary.ts';
import type { ItemDetails } from '../../src/domain/alerts/item-details.ts';
import type { ItemOrigin } from '../../src/domain/items.ts';

const templates = loadMailTemplates();
const settings = { mailDomain: 'tidings.example', publicUrl: 'https://tidings.example', unsubscribeSecret: 'x'.repeat(40) };
const collection = { id: 7n, name: 'Family', timeZone: 'UTC' };
const reader = { userId: 9n, email: 'reader@example.com', displayName: 'Reader', timeZone: 'UTC' };
const ANN = 1n;
const BEN = 2n;
const GONE = 3n; // an account deleted since: no name to show
const actors = new Map([
  [ANN, 'Ann Example'],
  [BEN, 'Ben Builder'],
]);

function item(uid: string): ItemDetails {
  return { uid, resourceName: `${uid}.ics`, summary: `Item ${uid}`, startUtc: null, endUtc: null, allDay: false, location: '', status: '', icalendar: '' };
}

/** The "by …" line of a one-item alert, from the text part and from the HTML part. */
function byLines(by: Array<{ userId: bigint | null; origin: ItemOrigin }>): { text: string; html: string } {
  const change: ItemChange = { uid: 'x', resourceName: 'x.ics', change: 'added', fields: [], by, lastAt: new Date('2026-12-01T10:00:00Z') };
  const mail = alertMessage(templates, settings, collection, reader, [change], { items: new Map([['x', item('x')]]), snapshots: new Map(), actors });
  const text = mail.text.split('\n').find((l) => /^\s+by /.test(l));
  const html = /<p style="[^"]*">(by [^<]*)<\/p>/.exec(mail.html ?? '')?.[1];
  assert.ok(text, `a by line in:\n${mail.text}`);
  assert.ok(html, `a by line in:\n${mail.html}`);
  return { text: text.trim(), html };
}

const cases: Array<[string, Array<{ userId: bigint | null; origin: ItemOrigin }>, string]> = [
  ['a calendar app', [{ userId: ANN, origin: 'caldav' }], 'by Ann Example via a calendar app'],
  ['email', [{ userId: ANN, origin: 'email' }], 'by Ann Example via email'],
  ['the web', [{ userId: ANN, origin: 'web' }], 'by Ann Example via the web'],
  ['the API', [{ userId: ANN, origin: 'api' }], 'by Ann Example via the API'],
  ['no recorded actor', [{ userId: null, origin: 'email' }], 'by someone via email'],
  ['an actor whose account is gone', [{ userId: GONE, origin: 'caldav' }], 'by someone via a calendar app'],
  ['one person through two channels', [{ userId: ANN, origin: 'email' }, { userId: ANN, origin: 'web' }], 'by Ann Example via email and the web'],
  ['two people', [{ userId: ANN, origin: 'email' }, { userId: BEN, origin: 'caldav' }], 'by Ann Example via email and Ben Builder via a calendar app'],
  ['three people', [{ userId: ANN, origin: 'email' }, { userId: BEN, origin: 'caldav' }, { userId: null, origin: 'api' }], 'by Ann Example via email, Ben Builder via a calendar app and someone via the API'],
  [
    'two people, one through two channels',
    [{ userId: ANN, origin: 'email' }, { userId: BEN, origin: 'api' }, { userId: ANN, origin: 'web' }],
    'by Ann Example via email and the web; Ben Builder via the API',
  ],
];

describe('who changed an item, in an alert', () => {
  for (const [what, by, expected] of cases) {
    it(`reads well for ${what}, in text and HTML`, () => {
      const lines = byLines(by);
      assert.equal(lines.text, expected);
      assert.equal(lines.html, expected);
      // The complaint: "by Ann Example by email".
      assert.doesNotMatch(lines.text, /\bby\b.*\bby\b/);
    });
  }
});

describe('why the recipient gets the mail', () => {
  // Owners get alerts and reminders by default too: the footer must not call them members.
  const change: ItemChange = { uid: 'x', resourceName: 'x.ics', change: 'added', fields: [], by: [{ userId: ANN, origin: 'caldav' }], lastAt: new Date('2026-12-01T10:00:00Z') };
  const details = { items: new Map([['x', item('x')]]), snapshots: new Map(), actors };
  const occurrence = { recurrenceId: new Date('2026-12-02T09:00:00Z'), start: new Date('2026-12-02T09:00:00Z'), end: new Date('2026-12-02T10:00:00Z'), allDay: false, summary: 'Dentist', location: '', description: '', status: '', alarms: [] };
  const footers = (role: 'owner' | 'editor' | 'viewer') => {
    const r = { ...reader, role };
    const alert = alertMessage(templates, settings, collection, r, [change], details);
    const reminder = reminderMessage(templates, settings, collection, r, { occurrence, uid: 'x', resourceName: 'x.ics', icalendar: '' });
    return [alert.text, alert.html ?? '', reminder.text, reminder.html ?? ''].join('\n');
  };

  it('names the owner as the owner', () => {
    const text = footers('owner');
    assert.match(text, /You get these alerts as the owner of “Family”; your own changes are never included\./);
    assert.match(text, /You get reminders of events in “Family” as its owner\./);
    assert.doesNotMatch(text, /member/);
  });

  it('names a sharee as a member', () => {
    for (const role of ['editor', 'viewer'] as const) {
      const text = footers(role);
      assert.match(text, /You get these alerts as a member of “Family”; your own changes are never included\./, role);
      assert.match(text, /You get reminders of events in “Family” as one of its members\./, role);
    }
  });
});
