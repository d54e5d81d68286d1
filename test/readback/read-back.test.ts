// What goes in comes out: one table. Rows are real client shapes
// (test/readback/corpus.ts, fixtures under test/fixtures/); columns are every
// write path × every read path. Each cell asserts that the same components,
// UIDs, RECURRENCE-IDs, start/end instants (as UTC) and summaries come back,
// and that every TZID in the returned data has its VTIMEZONE (RFC 5545
// 3.2.19).
//
// Write paths: CalDAV PUT (METHOD removed first, as a client does: a stored
// object carries none, RFC 4791 4.1) and SMTP (a real client to the real
// robot; invitations as a text/calendar part with their METHOD, the rest as
// an .ics attachment). The JSON API has no route that writes items yet
// (src/http/api); when one lands it becomes a third write path here.
// Read paths: GET, calendar-multiget, calendar-query without and with
// <expand>, sync-collection then multiget, the feed, the export and the
// alert's .ics attachment.
//
// READBACK_TABLE=1 prints the whole table (✓ / ✗ per cell) when the file ends.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { shareCollection } from '../../src/domain/collections.ts';
import { exportUser } from '../../src/domain/export.ts';
import { createFeed } from '../../src/domain/feeds.ts';
import { alertRound, alertWorld, header } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient, propText, startServer } from '../helpers/dav.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { fixture } from '../helpers/fixtures.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { makeMailbox } from '../helpers/robot-world.ts';
import { sendOnce, startTestRobot } from '../helpers/smtp.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';
import { componentSignatures, parseCalendar, tzidsWithoutVtimezone } from './calendar-signature.ts';
import { CORPUS, EXPAND_RANGE, type CorpusEntry } from './corpus.ts';

const db = await freshDatabase('readback');
const { store } = db;
const base = await startServer(store);
const robot = await startTestRobot(store, fixedResolver(testDns(dkimKey())));
const alerts = await alertWorld(db);

// One owner; one collection per write path, each shared with a reader (who
// gets the alerts: one's own changes are never alerted) and with a feed.
const mailbox = await makeMailbox(store, { policy: 'anyone', timeZone: 'Europe/Berlin' });
const owner = mailbox.owner;
const reader = await makeUser(store, 'reader');
const dav = new DavClient(base, owner.email);

interface Target {
  collectionId: bigint;
  url: string;
  feed: string;
  syncToken: string;
}

async function target(collectionId: bigint): Promise<Target> {
  const { slug } = await store.db.collection.findUniqueOrThrow({ where: { id: collectionId }, select: { slug: true } });
  await shareCollection(store, owner.id, collectionId, reader.email, 'viewer', TEST_AUDIT);
  const { token } = await createFeed(store, collectionId, TEST_AUDIT);
  return { collectionId, url: `${dav.home}${slug}/`, feed: `/feeds/${token}.ics`, syncToken: '' };
}

const putTarget = await target((await makeCollection(store, owner, { name: 'Written over CalDAV', slug: 'put', timeZone: 'Europe/Berlin' })).id);
const smtpTarget = await target(mailbox.collectionId);

const resourceName = (e: CorpusEntry) => e.file.replace(/^.*\//, '');

type WritePath = (e: CorpusEntry, text: string) => Promise<string>;

const WRITE_PATHS: Array<[string, Target, WritePath]> = [
  [
    'CalDAV PUT',
    putTarget,
    async (e, text) => {
      const href = `${putTarget.url}${resourceName(e)}`;
      await dav.put(href, text.replace(/^METHOD:[^\r\n]*\r?\n/m, ''), 201);
      return href;
    },
  ],
  [
    'SMTP',
    smtpTarget,
    async (e, text) => {
      const method = /^METHOD:(\S+)/m.exec(text)?.[1];
      const raw = await compose({
        from: 'Planner <planner@example.com>',
        to: mailbox.address,
        subject: `Calendar: ${e.shape}`,
        text: 'Details attached.',
        messageId: messageId(),
        ...(method
          ? { icalEvent: { method, content: text, filename: 'invite.ics' } }
          : { attachments: [{ filename: resourceName(e), content: text, contentType: 'text/calendar; charset=utf-8' }] }),
      });
      const { response } = await sendOnce(robot.port, 'planner@example.com', mailbox.address, raw);
      assert.match(response, /^250 /, `SMTP answered: ${response}`);
      const item = await store.db.item.findFirstOrThrow({ where: { collectionId: mailbox.collectionId, uid: e.uid }, select: { resourceName: true } });
      return `${smtpTarget.url}${item.resourceName}`;
    },
  ],
];

const multigetBody = (hrefs: string[]) =>
  `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`;

const queryBody = (kind: string, expand: boolean) =>
  `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/>` +
  (expand ? `<c:calendar-data><c:expand start="${EXPAND_RANGE.start}" end="${EXPAND_RANGE.end}"/></c:calendar-data>` : '<c:calendar-data/>') +
  `</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="${kind}">` +
  (expand ? `<c:time-range start="${EXPAND_RANGE.start}" end="${EXPAND_RANGE.end}"/>` : '') +
  '</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>';

const calendarData = (ms: Awaited<ReturnType<DavClient['report']>>, href: string) => propText(ms.byHref(href), `{${CALDAV}}calendar-data`);

interface ReadContext {
  entry: CorpusEntry;
  target: Target;
  href: string;
  /** The alert attachments of this row's round, by collection. */
  alertIcs: Map<bigint, string>;
}

/** Each read path returns the calendar text it gave, and whether <expand> shaped it. */
const READ_PATHS: Array<[string, (r: ReadContext) => Promise<string>, { expanded?: boolean }?]> = [
  ['GET', async (r) => (await dav.expect(200, 'GET', r.href)).text],
  ['multiget', async (r) => calendarData(await dav.report(r.target.url, multigetBody([r.href])), r.href)],
  ['query', async (r) => calendarData(await dav.report(r.target.url, queryBody(r.entry.kind, false)), r.href)],
  ['query+expand', async (r) => calendarData(await dav.report(r.target.url, queryBody(r.entry.kind, true)), r.href), { expanded: true }],
  [
    'sync+multiget',
    async (r) => {
      const sync = await dav.report(
        r.target.url,
        `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${r.target.syncToken}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
      );
      r.target.syncToken = sync.syncToken!;
      const hrefs = sync.responses.filter((x) => x.status !== 404).map((x) => x.href);
      assert.ok(hrefs.includes(decodeURIComponent(r.href)), `the sync reports ${r.href} as changed (got ${hrefs.join(', ')})`);
      return calendarData(await dav.report(r.target.url, multigetBody(hrefs)), r.href);
    },
  ],
  [
    'feed',
    async (r) => {
      const res = await fetch(base + r.target.feed);
      assert.equal(res.status, 200);
      return res.text();
    },
  ],
  [
    'export',
    async (r) => {
      const exported = await exportUser(store, owner.email);
      return exported.collections.find((c) => c.id === String(r.target.collectionId))!.icalendar;
    },
  ],
  [
    'alert .ics',
    async (r) => {
      const ics = r.alertIcs.get(r.target.collectionId);
      assert.ok(ics !== undefined, 'an alert with an .ics attachment');
      return ics;
    },
  ],
];

/** Runs the alert fan-out past the coalescing window and delivers; the new messages' attachments by collection. */
const alertFilesSeen = new Set<string>();
async function alertAttachments(): Promise<Map<bigint, string>> {
  const out = new Map<bigint, string>();
  for (const { file, mail } of await alertRound(alerts, { except: alertFilesSeen })) {
    alertFilesSeen.add(file);
    const collection = /^"[^"]*" <c(\d+)\.alerts\./.exec(header(mail, 'list-id'))?.[1];
    const ics = mail.attachments.find((a) => a.contentType === 'text/calendar');
    if (collection && ics) out.set(BigInt(collection), ics.content.toString('utf8'));
  }
  return out;
}

/** The problems with one returned calendar, or [] when it holds what went in. */
function check(entry: CorpusEntry, text: string, expanded: boolean): string[] {
  let calendar;
  try {
    calendar = parseCalendar(text);
  } catch (err) {
    return [`unparsable: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const want = expanded && entry.expanded ? entry.expanded : entry.components;
  const got = componentSignatures(calendar, entry.uid);
  try {
    assert.deepEqual(got, [...want].sort());
  } catch {
    problems.push(`components: expected\n      ${[...want].sort().join('\n      ')}\n    got\n      ${got.join('\n      ') || '(none)'}`);
  }
  const missing = tzidsWithoutVtimezone(calendar, entry.uid);
  if (missing.length) problems.push(`TZID without VTIMEZONE: ${missing.join(', ')}`);
  return problems;
}

const table = new Map<string, Map<string, string>>();
after(() => {
  if (!process.env.READBACK_TABLE) return;
  const columns = WRITE_PATHS.flatMap(([w]) => READ_PATHS.map(([r]) => `${w} → ${r}`));
  const lines = [...table].map(([row, cells]) => `${row}\n${columns.map((c) => `    ${cells.get(c) === 'ok' ? '✓' : '✗'} ${c}${cells.get(c) === 'ok' ? '' : `: ${cells.get(c)}`}`).join('\n')}`);
  console.log(lines.join('\n'));
});

describe('what goes in comes out: every write path × every read path', () => {
  for (const entry of CORPUS) {
    it(`${entry.shape} (${entry.file})`, async () => {
      const text = fixture(entry.file);
      const cells = new Map<string, string>();
      table.set(entry.shape, cells);
      const written: Array<[string, Target, string]> = [];
      for (const [name, t, write] of WRITE_PATHS) written.push([name, t, await write(entry, text)]);
      const alertIcs = await alertAttachments();
      const failures: string[] = [];
      for (const [writeName, t, href] of written) {
        for (const [readName, read, opts] of READ_PATHS) {
          const cell = `${writeName} → ${readName}`;
          let problems: string[];
          try {
            problems = check(entry, await read({ entry, target: t, href, alertIcs }), opts?.expanded ?? false);
          } catch (err) {
            problems = [(err as Error).message.split('\n')[0]!];
          }
          cells.set(cell, problems.length ? problems.join('; ') : 'ok');
          if (problems.length) failures.push(`  ${cell}:\n    ${problems.join('\n    ')}`);
        }
      }
      assert.equal(failures.length, 0, `${failures.length} of ${cells.size} paths lost data:\n${failures.join('\n')}`);
    });
  }
});
