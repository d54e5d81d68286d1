// MIME bombs through the SMTP door: messages under the size limit built to
// make the parsers work far more than their size suggests (helpers/
// mime-bombs.ts). Against the real service in a child process (a stalled
// event loop there cannot stall the test), each bomb gets its documented
// reply, and while it is being read /healthz answers and another sender's
// ordinary mail is delivered; what is refused stores nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CALENDAR_PARTS, MAX_MIME_DEPTH, MAX_MIME_HEADER_BYTES, MAX_MIME_HEADER_FIELDS, MAX_MIME_PARTS } from '../../src/consts.ts';
import { createCollectionAddress } from '../../src/domain/addresses.ts';
import { freshDatabase } from '../helpers/database.ts';
import { compose, messageId } from '../helpers/mail.ts';
import * as bomb from '../helpers/mime-bombs.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { SmtpClient } from '../helpers/smtp.ts';
import { makeCollection, makeUser, TEST_AUDIT } from '../helpers/world.ts';
import { NO_ANSWER_MS, noHang } from '../helpers/no-hang.ts';

const { store, url: databaseUrl } = await freshDatabase('mime_bombs');
const service = await startServiceProcess(databaseUrl);
// A second instance on the same database whose parse budget is well below
// what a 14 MB HTML body needs (about a second), to see a reading killed.
const hurried = await startServiceProcess(databaseUrl, { SMTP_PARSE_TIMEOUT_MS: '300' });

async function mailbox(name: string) {
  const owner = await makeUser(store, name);
  const collection = await makeCollection(store, owner, { slug: name, timeZone: 'Europe/Berlin' });
  const address = await createCollectionAddress(store, { actorUserId: owner.id, collectionId: collection.id, domain: 'tidings.test', policy: 'anyone', itemMode: 'auto' }, TEST_AUDIT);
  return { collectionId: collection.id, address: address.address };
}
const target = await mailbox('bombed');
const bystander = await mailbox('bystander');


const itemsIn = (collectionId: bigint) => store.db.item.count({ where: { collectionId } });

async function send(on: ServiceProcess, to: string, raw: Buffer): Promise<string> {
  const client = await SmtpClient.open(on.smtpPort, { socketTimeout: NO_ANSWER_MS * 2 });
  try {
    return (await client.send('mallory@example.org', to, raw)).response;
  } finally {
    await client.close();
  }
}

/**
 * Sends the bomb and, while it is in flight, asks /healthz and delivers an
 * ordinary message from another sender; returns the bomb's reply and how
 * many items it stored.
 */
async function detonate(raw: Buffer, on = service, withBystander = true): Promise<{ reply: string; stored: number }> {
  const before = await itemsIn(target.collectionId);
  const bystanderBefore = await itemsIn(bystander.collectionId);
  const replied = send(on, target.address, raw);
  replied.catch(() => undefined);

  const health = await noHang('/healthz during the bomb', fetch(`${on.base}/healthz`, { signal: AbortSignal.timeout(NO_ANSWER_MS) }));
  assert.equal(health.status, 200);
  await health.text();
  // An instance with a deliberately tiny parse budget (the timeout case) could
  // time out an ordinary message too on a loaded machine: there only /healthz is asked.
  if (withBystander) {
    const ordinary = await compose({ from: 'ana@example.com', to: bystander.address, subject: 'Lunch Friday 12:30', text: 'See you there', messageId: messageId() });
    const client = await SmtpClient.open(on.smtpPort);
    try {
      const res = await noHang('another sender during the bomb', client.send('ana@example.com', bystander.address, ordinary));
      assert.match(res.response, /^250 2\.6\.0 accepted, 1 item stored/);
    } finally {
      await client.close();
    }
    assert.equal(await itemsIn(bystander.collectionId), bystanderBefore + 1);
  }

  const reply = await noHang('the bomb', replied);
  return { reply, stored: (await itemsIn(target.collectionId)) - before };
}

const TO = () => target.address;

describe('MIME bombs over SMTP', () => {
  const refused: Array<[string, () => Buffer, RegExp]> = [
    [`${MAX_MIME_DEPTH * 3} nested multiparts`, () => bomb.nestedMultiparts(TO(), MAX_MIME_DEPTH * 3), /nest more than 32 deep/],
    ['1,000 nested multiparts', () => bomb.nestedMultiparts(TO(), 1000), /nest more than 32 deep/],
    [`${MAX_MIME_PARTS + 400} tiny parts`, () => bomb.manyParts(TO(), MAX_MIME_PARTS + 400), /more than 500 MIME parts/],
    ['50,000 tiny parts', () => bomb.manyParts(TO(), 50_000), /more than 500 MIME parts/],
    [`${MAX_MIME_HEADER_FIELDS * 2} header fields`, () => bomb.manyHeaders(TO(), MAX_MIME_HEADER_FIELDS * 2), /more than 1000 header fields/],
    ['one header field larger than the limit', () => bomb.hugeHeader(TO(), MAX_MIME_HEADER_BYTES + 50_000), /header is larger than 262144 bytes/],
    [`${MAX_CALENDAR_PARTS + 8} calendar parts`, () => bomb.manyCalendarParts(TO(), MAX_CALENDAR_PARTS + 8), /more than 32 calendar parts/],
    ['a winmail.dat of 2,500 attributes', () => bomb.withWinmail(TO(), bomb.tnefBlob(2_500, 2_000_000)), /winmail\.dat holds more than 2000 attributes/],
  ];
  for (const [name, make, reason] of refused) {
    it(`${name}: 554 5.6.0 with the reason, nothing stored, others answered meanwhile`, async () => {
      const { reply, stored } = await detonate(make());
      assert.match(reply, /^554 5\.6\.0 /);
      assert.match(reply, reason);
      assert.equal(stored, 0);
    });
  }

  // Within the limits, big is not hostile: each is read in part (the text the
  // slow parsers get is bounded) and becomes its one item, while the service
  // goes on answering.
  const taken: Array<[string, () => Buffer]> = [
    ['14 MB of nested HTML', () => bomb.hugeHtml(TO(), 15_000_000)],
    ['a 15 MB attachment on one base64 line', () => bomb.giantBase64Line(TO(), 15_000_000)],
    ['a 250 KB subject of date phrases', () => bomb.longDateSubject(TO(), 250_000)],
    ['a winmail.dat whose 600 attributes node-tnef would copy 600 KB for each', () => bomb.withWinmail(TO(), bomb.tnefBlob(600, 600_000))],
  ];
  for (const [name, make] of taken) {
    it(`${name}: accepted as one item, others answered meanwhile`, async () => {
      const { reply, stored } = await detonate(make());
      assert.match(reply, /^250 2\.6\.0 accepted, 1 item stored/);
      assert.equal(stored, 1);
    });
  }

  it('a reading past SMTP_PARSE_TIMEOUT_MS is stopped: 554 5.6.0 "took too long to parse", nothing stored, others answered meanwhile', async () => {
    const { reply, stored } = await detonate(bomb.hugeHtml(TO(), 15_000_000), hurried, false);
    assert.match(reply, /^554 5\.6\.0 the message was not read: it took too long to parse/);
    assert.equal(stored, 0);
  });
});
