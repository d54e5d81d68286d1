// Hostile and broken calendar data through every door that takes it: CalDAV
// PUT and SMTP DATA, against the real service in a child process (a stalled
// event loop there cannot stall the test). Each input gets a refusal with a
// reason (4xx over HTTP, 5.6.0 over SMTP, never 5xx or 451), nothing is
// stored, and the service keeps answering another client while it works.
// Hand-written cases cover the known attacks; fast-check generates the rest.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createCollectionAddress } from '../../src/domain/addresses.ts';
import { freshDatabase } from '../helpers/database.ts';
import { CALDAV, DavClient } from '../helpers/dav.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { converse, sendOnce, SmtpClient, startTestRobot } from '../helpers/smtp.ts';
import { freePort } from '../helpers/spamd.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';
import { NO_ANSWER_MS, noHang } from '../helpers/no-hang.ts';

const { store, url: databaseUrl } = await freshDatabase('hostile_cal');
const service = await startServiceProcess(databaseUrl);
const owner = await makeUser(store, 'hostile');
const collection = await makeCollection(store, owner, { slug: 'cal', timeZone: 'Europe/Berlin' });
const address = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: collection.id, domain: 'tidings.test', policy: 'anyone', itemMode: 'auto' }, TEST_AUDIT);
const dav = new DavClient(service.base, owner.email);
/** A robot in this process whose spamd is a port nobody listens on (SPAMD_DOWN=defer). */
const spamdDown = await startTestRobot(store, fixedResolver(testDns(dkimKey())), { SPAMD_URL: `tcp://127.0.0.1:${await freePort()}`, SPAMD_TIMEOUT_MS: '1000' });
const url = `${dav.home}cal/`;

async function healthz(): Promise<number> {
  const res = await fetch(`${service.base}/healthz`, { signal: AbortSignal.timeout(NO_ANSWER_MS) });
  await res.text();
  return res.status;
}

async function storedItems(): Promise<number> {
  return store.db.item.count({ where: { collectionId: collection.id } });
}

const CRLF = '\r\n';
let uidCounter = 0;
const nextUid = () => `hostile-${++uidCounter}-${process.pid}@example.com`;

/** A VCALENDAR around one VEVENT whose lines are `body` (UID and DTSTAMP added). */
function eventWith(body: string[], uid = nextUid()): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Hostile//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...body, 'END:VEVENT', 'END:VCALENDAR', ''].join(CRLF);
}

const START = 'DTSTART:20260105T100000Z';
const repeat = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));
/** The UTC date-time `days` days after 2026-01-05 10:00, as iCalendar writes it. */
const dayAfterStart = (days: number) => new Date(Date.UTC(2026, 0, 5, 10) + days * 86_400_000).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';

function nested(depth: number): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Hostile//EN',
    'BEGIN:VEVENT',
    `UID:${nextUid()}`,
    'DTSTAMP:20260101T000000Z',
    START,
    'SUMMARY:deep',
    ...repeat(depth, () => 'BEGIN:VALARM'),
    ...repeat(depth, () => 'END:VALARM'),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join(CRLF);
}

function manyComponents(n: number): string {
  const uid = nextUid();
  const overrides = repeat(n, (i) => {
    const day = dayAfterStart(i + 1);
    return ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `RECURRENCE-ID:${day}`, `DTSTART:${day}`, 'SUMMARY:moved', 'END:VEVENT'].join(CRLF);
  });
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Hostile//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', START, 'RRULE:FREQ=DAILY', 'SUMMARY:daily', 'END:VEVENT', ...overrides, 'END:VCALENDAR', ''].join(CRLF);
}

interface Case {
  name: string;
  data: () => string | Buffer;
}

// Every one of these was stored, answered 500 or 451, or stalled the service before the limits.
const CASES: Case[] = [
  { name: 'truncated in the middle of a VEVENT', data: () => eventWith([START, 'SUMMARY:cut']).slice(0, 120) },
  { name: 'DTSTART that is no date (2026130T25)', data: () => eventWith(['DTSTART:2026130T25', 'SUMMARY:bad date']) },
  { name: 'DTSTART that is no date (notadate)', data: () => eventWith(['DTSTART:notadate', 'SUMMARY:bad date']) },
  { name: 'DTSTART with month 13 and hour 25', data: () => eventWith(['DTSTART:20261301T250000Z', 'SUMMARY:bad date']) },
  { name: 'DTEND that is no date', data: () => eventWith([START, 'DTEND:2026-01-05', 'SUMMARY:bad end']) },
  { name: 'DURATION that is no duration', data: () => eventWith([START, 'DURATION:PXYZ', 'SUMMARY:bad duration']) },
  { name: 'EXDATE that is no date', data: () => eventWith([START, 'RRULE:FREQ=DAILY;COUNT=3', 'EXDATE:garbage', 'SUMMARY:bad exdate']) },
  { name: 'RRULE UNTIL that is no date', data: () => eventWith([START, 'RRULE:FREQ=DAILY;UNTIL=garbage', 'SUMMARY:bad until']) },
  { name: 'RRULE with COUNT=0', data: () => eventWith([START, 'RRULE:FREQ=DAILY;COUNT=0', 'SUMMARY:count 0']) },
  { name: 'RRULE with COUNT=10^9', data: () => eventWith([START, 'RRULE:FREQ=DAILY;COUNT=1000000000', 'SUMMARY:forever-ish']) },
  { name: 'FREQ=SECONDLY without an end', data: () => eventWith([START, 'RRULE:FREQ=SECONDLY', 'SUMMARY:every second']) },
  { name: 'FREQ=MINUTELY without an end', data: () => eventWith([START, 'RRULE:FREQ=MINUTELY;INTERVAL=1', 'SUMMARY:every minute']) },
  { name: 'DAILY rule that never matches (February 30, COUNT)', data: () => eventWith([START, 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3', 'SUMMARY:never']) },
  { name: 'DAILY rule that never matches (February 30, UNTIL)', data: () => eventWith([START, 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20300101T000000Z', 'SUMMARY:never']) },
  { name: 'DAILY rule that never matches, without an end', data: () => eventWith([START, 'RRULE:FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31', 'SUMMARY:never']) },
  { name: 'WEEKLY rule that never matches (week 1 in June)', data: () => eventWith([START, 'RRULE:FREQ=WEEKLY;BYWEEKNO=1;BYMONTH=6;COUNT=3', 'SUMMARY:never']) },
  { name: 'HOURLY rule that never matches (April 31)', data: () => eventWith([START, 'RRULE:FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31;COUNT=3', 'SUMMARY:never']) },
  { name: 'YEARLY rule that never matches (Monday February 30)', data: () => eventWith([START, 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYDAY=MO', 'SUMMARY:never']) },
  { name: '10,000 EXDATEs', data: () => eventWith([START, 'RRULE:FREQ=DAILY', ...repeat(10_000, (i) => `EXDATE:${dayAfterStart(i + 1)}`), 'SUMMARY:exdates']) },
  { name: '10,000 RDATEs in one property', data: () => eventWith([START, `RDATE:${repeat(10_000, (i) => dayAfterStart(i + 1)).join(',')}`, 'SUMMARY:rdates']) },
  { name: '10,000 components', data: () => eventWith([START, 'SUMMARY:alarms', ...repeat(10_000, () => 'BEGIN:VALARM\r\nEND:VALARM')]) },
  { name: '5,000 exceptions to one series', data: () => manyComponents(5_000) },
  { name: '20,000 properties', data: () => eventWith([START, ...repeat(20_000, (i) => `X-P:${i}`)]) },
  { name: 'a VALARM inside a VALARM', data: () => nested(2) },
  { name: '10,000 nested components', data: () => nested(10_000) },
  { name: 'a VEVENT inside a VEVENT', data: () => eventWith([START, 'BEGIN:VEVENT', `UID:${nextUid()}`, START, 'END:VEVENT']) },
  { name: 'a NUL byte in SUMMARY', data: () => eventWith([START, 'SUMMARY:a\u0000b']) },
  { name: 'a bare CR in SUMMARY that hides a second VEVENT', data: () => eventWith([START, `SUMMARY:harmless\rEND:VEVENT\rBEGIN:VEVENT\rUID:${nextUid()}\rSUMMARY:injected`]) },
  { name: 'a bare LF among CRLF lines', data: () => eventWith([START, 'SUMMARY:harmless\nX-INJECTED:yes']) },
  { name: 'invalid UTF-8 in SUMMARY', data: () => Buffer.concat([Buffer.from(eventWith([START, 'SUMMARY:caf__']).split('caf__')[0]!), Buffer.from([0x63, 0x61, 0x66, 0xc3, 0x28, 0xff]), Buffer.from(eventWith([START, 'SUMMARY:caf__']).split('caf__')[1]!)]) },
  { name: 'a 1 MB DESCRIPTION', data: () => eventWith([START, 'SUMMARY:big', `DESCRIPTION:${'x'.repeat(1024 * 1024)}`]) },
  { name: 'a 300 KB DESCRIPTION (under the object limit)', data: () => eventWith([START, 'SUMMARY:big', `DESCRIPTION:${'x'.repeat(300 * 1024)}`]) },
];

/** The PUT's status and text, while another client asks /healthz at the same time. */
async function putAlongsideHealthz(name: string, body: string | Buffer): Promise<{ status: number; text: string; health: number }> {
  const put = fetch(`${service.base}${url}${name}`, {
    method: 'PUT',
    headers: { Authorization: `Basic ${Buffer.from(`${owner.email}:correct horse battery`).toString('base64')}`, 'Content-Type': 'text/calendar; charset=utf-8' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(NO_ANSWER_MS),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const [answer, health] = await noHang(`PUT ${name}`, Promise.all([put, healthz()]));
  return { ...answer, health };
}

async function mailAlongsideHealthz(data: string | Buffer): Promise<{ response: string; health: number }> {
  const raw = await compose({
    from: 'someone@partner.test',
    to: address.address,
    subject: 'Invitation',
    text: 'See the invitation.',
    messageId: messageId('partner.test'),
    attachments: [{ filename: 'invite.ics', content: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }],
  });
  return sendAlongsideHealthz(raw);
}

async function sendAlongsideHealthz(raw: string | Buffer): Promise<{ response: string; health: number }> {
  const send = (async () => {
    const client = await SmtpClient.open(service.smtpPort);
    try {
      return await client.send('someone@partner.test', address.address, raw);
    } finally {
      await client.close();
    }
  })();
  const [result, health] = await noHang('SMTP DATA', Promise.all([send, healthz()]));
  return { response: result.response, health };
}

/** A refusal over HTTP: a 4xx whose body says why. */
function assertRefusedOverHttp(answer: { status: number; text: string }): void {
  assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  assert.notEqual(answer.text.trim(), '', 'the refusal says why');
}

/** A permanent refusal over SMTP for content that can become no item, with the reason. */
function assertRefusedOverSmtp(response: string): void {
  assert.match(response, /^55[04] 5\.6\.0 \S.*\S/, `expected a 5.6.0 refusal with a reason, got "${response}"`);
}

async function queryCollection(): Promise<void> {
  const query = `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" end="20270101T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
  const res = await noHang('calendar-query', dav.request('REPORT', url, { body: query, headers: { Depth: '1' } }));
  assert.equal(res.status, 207, res.text.slice(0, 300));
}

describe('hostile calendar data over CalDAV PUT', () => {
  for (const c of CASES) {
    it(`refuses ${c.name}, stores nothing and keeps serving`, async () => {
      const before = await storedItems();
      const answer = await putAlongsideHealthz(`${nextUid()}.ics`, c.data());
      assertRefusedOverHttp(answer);
      assert.equal(answer.health, 200);
      assert.equal(await storedItems(), before, 'nothing stored');
      assert.equal(await healthz(), 200);
    });
  }
});

describe('hostile calendar data over SMTP', () => {
  for (const c of CASES) {
    it(`refuses ${c.name} with 554 5.6.0, stores nothing and keeps serving`, async () => {
      const before = await storedItems();
      const { response, health } = await mailAlongsideHealthz(c.data());
      assertRefusedOverSmtp(response);
      assert.equal(health, 200);
      assert.equal(await storedItems(), before, 'nothing stored');
      assert.equal(await healthz(), 200);
    });
  }
});

describe('content that can become no item, while spamd is down', () => {
  // The refusal is the content's, so it is permanent whatever the spam
  // check would say, or whether it can answer: a 451 here has the sender
  // retry for days a message that can never be taken. (In-process: nothing
  // here can stall; spamd is a port nobody listens on, SPAMD_DOWN=defer.)

  it('refuses an empty message permanently (5.6.0), not with a temporary 451', async () => {
    const before = await storedItems();
    // Client libraries will not send an empty message: speak SMTP by hand.
    const replies = await converse(spamdDown.port, ['EHLO client.test', 'MAIL FROM:<someone@partner.test>', `RCPT TO:<${address.address}>`, 'DATA', '.', 'QUIT']);
    assert.match(replies[4]!, /^354 /);
    assertRefusedOverSmtp(replies[5]!);
    assert.equal(await storedItems(), before);
  });

  it('refuses unreadable calendar data permanently (5.6.0)', async () => {
    const raw = await compose({
      from: 'someone@partner.test',
      to: address.address,
      subject: 'Invitation',
      messageId: messageId('partner.test'),
      attachments: [{ filename: 'invite.ics', content: eventWith([START, 'SUMMARY:a\u0000b']), contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }],
    });
    assertRefusedOverSmtp((await sendOnce(spamdDown.port, 'someone@partner.test', address.address, raw)).response);
  });
});

// Generated broken calendars: a valid recurring event, then one or more
// mutations. The answer is a store (2xx / 250) or a refusal with a reason,
// never a 5xx or a 451, and a refused PUT leaves no resource behind.
const dateToken = fc.oneof(
  fc.constantFrom('20260105T100000Z', '20260105', '20260229T100000Z', '20261301T000000Z', '20260100T000000Z', '20260105T246060Z', '2026', 'T', '', '99991231T235959Z', '00000101T000000Z'),
  fc.string({ maxLength: 20 }),
);
const rulePart = fc.oneof(
  fc.constantFrom('FREQ=SECONDLY', 'FREQ=MINUTELY', 'FREQ=HOURLY', 'FREQ=DAILY', 'FREQ=WEEKLY', 'FREQ=MONTHLY', 'FREQ=YEARLY', 'FREQ=NEVER'),
  fc.integer({ min: -2, max: 1_000_000_001 }).map((n) => `COUNT=${n}`),
  fc.integer({ min: -1, max: 100 }).map((n) => `INTERVAL=${n}`),
  dateToken.map((d) => `UNTIL=${d}`),
  fc.integer({ min: -2, max: 14 }).map((n) => `BYMONTH=${n}`),
  fc.integer({ min: -32, max: 32 }).map((n) => `BYMONTHDAY=${n}`),
  fc.integer({ min: -54, max: 54 }).map((n) => `BYWEEKNO=${n}`),
  fc.integer({ min: -367, max: 367 }).map((n) => `BYYEARDAY=${n}`),
  fc.integer({ min: -1, max: 25 }).map((n) => `BYHOUR=${n}`),
  fc.constantFrom('BYDAY=MO', 'BYDAY=5MO', 'BYDAY=-5FR', 'BYDAY=53SU', 'BYDAY=XX', 'BYSETPOS=-1', 'BYSETPOS=400', 'WKST=SU'),
);
const rrule = fc.array(rulePart, { minLength: 1, maxLength: 5 }).map((parts) => `RRULE:${parts.join(';')}`);
const nasty = fc.constantFrom('\u0000', '\r', '\n', '\r\n', '\u000b', '\\', ';', ':', ',', '"', '\u2028', '\ufffd', 'BEGIN:VEVENT', 'END:VCALENDAR');
const line = fc.oneof(
  dateToken.map((d) => `DTSTART:${d}`),
  dateToken.map((d) => `DTEND:${d}`),
  dateToken.map((d) => `EXDATE:${d}`),
  dateToken.map((d) => `RDATE:${d}`),
  fc.constantFrom('DURATION:PT1H', 'DURATION:-PT1H', 'DURATION:P', 'DURATION:PT', 'DURATION:P1Y', 'DURATION:PT99999999999H'),
  rrule,
  fc.array(nasty, { maxLength: 4 }).map((bits) => `SUMMARY:a${bits.join('b')}c`),
  fc.constantFrom('BEGIN:VALARM', 'END:VALARM', 'BEGIN:VTODO', 'END:VEVENT', 'BEGIN:VCALENDAR', 'TRIGGER:-PT15M', 'ACTION:EMAIL', 'RECURRENCE-ID:20260106T100000Z'),
);
const brokenCalendar = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 6 }), fc.option(fc.nat({ max: 400 }), { nil: undefined }))
  .map(([lines, cut]) => {
    const text = eventWith([START, 'RRULE:FREQ=WEEKLY;COUNT=5', ...lines]);
    return cut === undefined ? text : text.slice(0, cut);
  });

describe('generated broken calendars', () => {
  it('are stored or refused with a reason over PUT, never answered 5xx, and a refusal leaves nothing', async () => {
    await fc.assert(
      fc.asyncProperty(brokenCalendar, async (text) => {
        const name = `${nextUid()}.ics`;
        const answer = await putAlongsideHealthz(name, text);
        assert.ok(answer.status < 500, `5xx for ${JSON.stringify(text)}: ${answer.status} ${answer.text.slice(0, 300)}`);
        assert.equal(answer.health, 200);
        if (answer.status >= 400) {
          assertRefusedOverHttp(answer);
          const get = await noHang('GET', dav.request('GET', `${url}${name}`));
          assert.equal(get.status, 404, 'a refused PUT stores nothing');
        } else {
          assert.ok(answer.status === 201 || answer.status === 204, `${answer.status}`);
          const get = await noHang('GET', dav.request('GET', `${url}${name}`));
          assert.equal(get.status, 200);
        }
      }),
      { numRuns: 25, seed: 20260105, endOnFailure: true },
    );
  });

  it('are accepted or refused permanently (5.6.0) over SMTP, never answered 451', async () => {
    await fc.assert(
      fc.asyncProperty(brokenCalendar, async (text) => {
        const { response, health } = await mailAlongsideHealthz(text);
        assert.equal(health, 200);
        assert.match(response, /^(250 |55[04] 5\.6\.0 \S)/, `for ${JSON.stringify(text)}`);
      }),
      { numRuns: 25, seed: 20260106, endOnFailure: true },
    );
  });
});

describe('after all of it', () => {
  it('still answers a time-range query over everything that was stored', async () => {
    await queryCollection();
    assert.equal(await healthz(), 200);
  });

  it('answers a time-range query over an item stored before the limits, whose rule never matches', async () => {
    // Stored as an older version would have: a valid endless series, then its text replaced in the table.
    const uid = nextUid();
    const put = await putAlongsideHealthz('legacy.ics', eventWith([START, 'RRULE:FREQ=DAILY', 'SUMMARY:legacy'], uid));
    assert.equal(put.status, 201, put.text);
    const legacy = eventWith([START, 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'SUMMARY:legacy'], uid);
    assert.equal((await store.db.item.updateMany({ where: { collectionId: collection.id, resourceName: 'legacy.ics' }, data: { icalendar: legacy } })).count, 1);
    const [, health] = await noHang('calendar-query', Promise.all([queryCollection(), healthz()]));
    assert.equal(health, 200);
  });
});
