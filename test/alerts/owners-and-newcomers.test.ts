// Who hears about what by default: an owner is alerted when others change
// their collection (their own changes never alert anyone), and a member
// hears only about what happened after they joined: neither their first
// immediate alert, nor a digest, nor a webhook lists the items that were
// already there as "added".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAlertFanout } from '../../src/jobs/alert-fanout.ts';
import { runDailyDigests } from '../../src/jobs/daily-digests.ts';
import { createUser, type User } from '../../src/domain/accounts.ts';
import { getSubscription, setSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { shareCollection, unshareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import type { OutboxPayload } from '../../src/domain/outbox/enqueue.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('alerts_newcomers');
const world = await alertWorld(db);
const { store } = db;
const WINDOW = 120_000;

const person = (name: string) => createUser(store, { email: `${name}@example.com`, password: 'correct horse battery', displayName: name, timeZone: 'UTC' }, TEST_AUDIT);
const ann = await person('ann');
const ben = await person('ben');
const cat = await person('cat');

let clock = Date.now();
function fanout() {
  clock += 2 * WINDOW + 1000;
  world.clock.set(new Date(clock));
  return runAlertFanout({ store, templates: world.ctx.templates, settings: world.ctx.alertSettings, coalesceMs: WINDOW, recipientBudgetPerHour: 1000, collectionBudgetPerHour: 1000, now: world.clock.now });
}

let seen = 0n;
async function newMail(kind = 'alert'): Promise<Map<string, OutboxPayload>> {
  const rows = await store.db.outboxMessage.findMany({ where: { id: { gt: seen } }, orderBy: { id: 'asc' } });
  if (rows.length) seen = rows[rows.length - 1]!.id;
  return new Map(rows.filter((r) => r.kind === kind).map((r) => [r.recipient, JSON.parse(r.payload) as OutboxPayload]));
}

const put = (actor: User, collectionId: bigint, uid: string, origin: 'caldav' | 'email' = 'caldav') =>
  putItem(store, { actorUserId: actor.id, collectionId, icalendar: eventIcs(uid, { summary: uid }), origin });

describe("an owner and others' changes", () => {
  it('alerts the owner, without any choice made, when a member changes the collection', async () => {
    const c = await makeCollection(store, ann, { name: 'Garden' });
    await shareCollection(store, ann.id, c.id, ben.email, 'editor', TEST_AUDIT);
    assert.deepEqual(await getSubscription(store, ann.id, c.id), { collectionId: c.id, mode: 'immediate', isDefault: true });
    await put(ben, c.id, 'Mow the lawn', 'email');
    await fanout();
    const mail = await newMail();
    assert.deepEqual([...mail.keys()], ['ann@example.com']);
    assert.equal(mail.get('ann@example.com')!.subject, 'Garden: “Mow the lawn” added');
  });

  it("never alerts the owner about the owner's own changes, whatever the channel", async () => {
    const c = await makeCollection(store, ann, { name: 'Solo' });
    await put(ann, c.id, 'Water the plants', 'caldav');
    await put(ann, c.id, 'Buy seeds', 'email');
    await fanout();
    assert.deepEqual([...(await newMail()).keys()], []);
  });

  it('still lets the owner turn the alerts off', async () => {
    const c = await makeCollection(store, ann, { name: 'Quiet garden' });
    await shareCollection(store, ann.id, c.id, ben.email, 'editor', TEST_AUDIT);
    await setSubscription(store, ann.id, c.id, 'off');
    await put(ben, c.id, 'Rake leaves');
    await fanout();
    assert.deepEqual([...(await newMail()).keys()], []);
  });
});

describe('a new member', () => {
  it("gets a first alert with what changed after joining, not the collection's existing items", async () => {
    const c = await makeCollection(store, ann, { name: 'Club' });
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    await put(ann, c.id, 'Old 1');
    await put(ann, c.id, 'Old 2');
    // Cat joins before those changes were alerted (within the coalescing window).
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    // Cat's webhook (a row as registration leaves it; the fan-out only reads it) follows the same rule.
    const hook = await store.db.webhook.create({ data: { userId: cat.id, collectionId: c.id, url: 'https://hooks.example.net/cat', secret: 'x'.repeat(64) } });
    await put(ann, c.id, 'New');
    await fanout();
    const mail = await newMail();
    assert.equal(mail.get('cat@example.com')?.subject, 'Club: “New” added');
    assert.doesNotMatch(mail.get('cat@example.com')!.text, /Old [12]/);
    const [delivery] = await store.db.webhookDelivery.findMany({ where: { webhookId: hook.id } });
    const payload = JSON.parse(delivery!.payload) as { changes: Array<{ summary: string; change: string }> };
    assert.deepEqual(payload.changes.map((ch) => [ch.change, ch.summary]), [['added', 'New']]);
    // Ben was there all along and hears about all three.
    assert.equal(mail.get('ben@example.com')?.subject, 'Club: 3 changes (3 added)');
  });

  it('who joins after changes nobody was alerted about yet gets no alert for them', async () => {
    const c = await makeCollection(store, ann, { name: 'Imported' });
    for (let i = 0; i < 3; i++) await put(ann, c.id, `Existing ${i}`);
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    await fanout();
    assert.deepEqual([...(await newMail()).keys()], []);
  });

  it('who leaves and is invited again starts over from the new invitation', async () => {
    const c = await makeCollection(store, ann, { name: 'Again' });
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    await unshareCollection(store, ann.id, c.id, cat.email, TEST_AUDIT);
    await put(ann, c.id, 'While away');
    await shareCollection(store, ann.id, c.id, cat.email, 'editor', TEST_AUDIT);
    // A change of role is no new membership.
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    await put(ann, c.id, 'Back');
    await fanout();
    assert.equal((await newMail()).get('cat@example.com')?.subject, 'Again: “Back” added');
  });

  it("gets a first digest without the day's changes from before joining", async () => {
    const c = await makeCollection(store, ann, { name: 'Digest club' });
    await put(ann, c.id, 'Before joining');
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    await setSubscription(store, ben.id, c.id, 'digest');
    await put(ann, c.id, 'After joining');
    // Both changes happened "yesterday" as the digest at 07:00 UTC sees it.
    const yesterday = new Date(Date.UTC(2030, 0, 9, 12));
    await store.pool.query('UPDATE changes SET createdAt = ? WHERE collectionId = ?', [yesterday, String(c.id)]);
    world.clock.set(new Date(Date.UTC(2030, 0, 10, 7, 30)));
    await runDailyDigests({ store, templates: world.ctx.templates, settings: world.ctx.alertSettings, now: world.clock.now });
    const digest = (await newMail('digest')).get('ben@example.com');
    assert.ok(digest, 'a digest for ben');
    assert.match(digest.text, /After joining/);
    assert.doesNotMatch(digest.text, /Before joining/);
  });
});
