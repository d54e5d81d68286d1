// Immediate alerts: coalesced per recipient per collection per window,
// listing what was added, changed (which fields) and removed, by whom; own
// changes never alert; the defaults and choices of alert subscriptions;
// the circuit breaker's budgets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { unfreezeAlerts } from '../../src/domain/alerts/circuit-breaker.ts';
import { getSubscription, setSubscription } from '../../src/domain/alerts/subscriptions.ts';
import { createUser, type User } from '../../src/domain/accounts.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { deleteItem, putItem } from '../../src/domain/items.ts';
import { runAlertFanout } from '../../src/jobs/alert-fanout.ts';
import type { OutboxPayload } from '../../src/domain/outbox/enqueue.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('alerts_coalesce');
const world = await alertWorld(db);
const { store } = db;
const WINDOW = 120_000;

async function person(name: string, extra: { isAdmin?: boolean } = {}): Promise<User> {
  return createUser(store, { email: `${name}@example.com`, password: 'correct horse battery', displayName: name, timeZone: 'UTC', ...extra }, TEST_AUDIT);
}

const ann = await person('ann');
const ben = await person('ben');
const cat = await person('cat');
const root = await person('root', { isAdmin: true });

function fanoutAt(ms: number, budgets: { recipient?: number; collection?: number } = {}) {
  world.clock.set(new Date(Date.now() + ms));
  return runAlertFanout({
    store,
    templates: world.ctx.templates,
    settings: world.ctx.alertSettings,
    coalesceMs: WINDOW,
    recipientBudgetPerHour: budgets.recipient ?? 30,
    collectionBudgetPerHour: budgets.collection ?? 300,
    now: world.clock.now,
  });
}

/** Queued alerts (not yet delivered) since the last call, by recipient. */
let seen = 0n;
async function newMail(): Promise<Array<{ to: string; kind: string; payload: OutboxPayload }>> {
  const rows = await store.db.outboxMessage.findMany({ where: { id: { gt: seen } }, orderBy: { id: 'asc' } });
  if (rows.length) seen = rows[rows.length - 1]!.id;
  return rows.map((r) => ({ to: r.recipient, kind: r.kind, payload: JSON.parse(r.payload) as OutboxPayload }));
}

const put = (actor: User, collectionId: bigint, uid: string, opts: Parameters<typeof eventIcs>[1] = {}, origin: 'caldav' | 'email' | 'web' | 'api' = 'caldav') =>
  putItem(store, { actorUserId: actor.id, collectionId, icalendar: eventIcs(uid, opts), origin });

describe('alert subscriptions', () => {
  it('default to immediate, for the owner as for a member', async () => {
    const c = await makeCollection(store, ann, { name: 'Defaults' });
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    assert.deepEqual(await getSubscription(store, ann.id, c.id), { collectionId: c.id, mode: 'immediate', isDefault: true });
    assert.deepEqual(await getSubscription(store, ben.id, c.id), { collectionId: c.id, mode: 'immediate', isDefault: true });
    assert.equal((await setSubscription(store, ben.id, c.id, 'digest')).mode, 'digest');
    await assert.rejects(setSubscription(store, ben.id, c.id, 'sometimes'), /alert mode must be one of/);
    await assert.rejects(setSubscription(store, cat.id, c.id, 'immediate'), { name: 'NotFound' });
  });
});

describe('coalescing immediate alerts', () => {
  it('merges a window of changes into one alert per recipient: added, changed with fields, removed, by whom and how', async () => {
    const c = await makeCollection(store, ann, { name: 'Team' });
    await shareCollection(store, ann.id, c.id, ben.email, 'editor', TEST_AUDIT);
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    await put(ann, c.id, 'standup', { summary: 'Standup', extra: 'LOCATION:Room 1' });
    await put(ann, c.id, 'retro', { summary: 'Retro' });
    await fanoutAt(WINDOW + 1000);
    await newMail();

    await put(ann, c.id, 'standup', { summary: 'Standup', start: '20261201T103000Z', end: '20261201T110000Z', extra: 'LOCATION:Room 2' }, 'caldav');
    await put(ben, c.id, 'planning', { summary: 'Planning' }, 'email');
    await deleteItem(store, { actorUserId: ann.id, collectionId: c.id, resourceName: 'retro.ics', origin: 'web' });
    await put(ann, c.id, 'standup', { summary: 'Daily standup', start: '20261201T103000Z', end: '20261201T110000Z', extra: 'LOCATION:Room 2' }, 'caldav');
    // A create and delete within the window is no news.
    await put(ann, c.id, 'typo', { summary: 'Typo' });
    await deleteItem(store, { actorUserId: ann.id, collectionId: c.id, resourceName: 'typo.ics', origin: 'caldav' });

    // The window since the last alert has not passed yet: nothing.
    const early = await fanoutAt(WINDOW - 30_000);
    assert.equal(early.alerts, 0);
    assert.deepEqual(await newMail(), []);

    const report = await fanoutAt(2 * WINDOW + 5000);
    assert.equal(report.alerts, 3);
    const mail = await newMail();
    assert.deepEqual(mail.map((m) => m.to).sort(), ['ann@example.com', 'ben@example.com', 'cat@example.com']);

    const cats = mail.find((m) => m.to === 'cat@example.com')!.payload;
    assert.equal(cats.subject, 'Team: 3 changes (1 added, 1 changed, 1 removed)');
    assert.match(cats.text, /Added:\n {2}\+ Planning — .*\n {6}by ben via email/);
    assert.match(cats.text, /Changed:\n {2}~ Daily standup — Tue 1 Dec 2026, 10:30 UTC, Room 2\n {6}title: “Standup” → “Daily standup”\n {6}time: Tue 1 Dec 2026, 10:00 UTC → Tue 1 Dec 2026, 10:30 UTC\n {6}place: Room 1 → Room 2\n {6}by ann via a calendar app/);
    assert.match(cats.text, /Removed:\n {2}- Retro — .*\n {6}by ann via the web/);
    assert.doesNotMatch(cats.text, /Typo/);
    assert.match(cats.headers.References!, /^<collection\.\d+@tidings\.example>$/);

    // Ben made one of the changes: his alert leaves it out.
    const bens = mail.find((m) => m.to === 'ben@example.com')!.payload;
    assert.equal(bens.subject, 'Team: 2 changes (1 changed, 1 removed)');
    assert.doesNotMatch(bens.text, /Planning/);
    // Ann owns the collection: she hears of Ben's change, and of none of her own.
    assert.equal(mail.find((m) => m.to === 'ann@example.com')!.payload.subject, 'Team: “Planning” added');
  });

  it('sends at most one alert per recipient per window, however the changes trickle in', async () => {
    const c = await makeCollection(store, ann, { name: 'Trickle' });
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    await put(ann, c.id, 'a', { summary: 'A' });
    await fanoutAt(WINDOW + 1000);
    assert.equal((await newMail()).filter((m) => m.to === 'ben@example.com').length, 1);
    // A change right after the alert waits a full window from the alert, not just from itself.
    await put(ann, c.id, 'b', { summary: 'B' });
    await fanoutAt(WINDOW + 1000 + 60_000);
    assert.equal((await newMail()).length, 0);
    await fanoutAt(2 * WINDOW + 2000);
    const mail = await newMail();
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.payload.subject, 'Trickle: “B” added');
  });

  it('never alerts people about their own changes, and alerts the owner about others', async () => {
    const c = await makeCollection(store, ann, { name: 'Own' });
    await shareCollection(store, ann.id, c.id, ben.email, 'editor', TEST_AUDIT);
    await put(ann, c.id, 'mine', { summary: 'Mine' });
    await fanoutAt(WINDOW + 1000);
    assert.deepEqual((await newMail()).map((m) => m.to), ['ben@example.com']);
    await put(ben, c.id, 'his', { summary: 'His' }, 'email');
    await fanoutAt(2 * WINDOW + 2000);
    assert.deepEqual((await newMail()).map((m) => m.to), ['ann@example.com']);
  });

  it('leaves out members who chose digests or off, and every change of a private collection', async () => {
    const c = await makeCollection(store, ann, { name: 'Quiet' });
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    await setSubscription(store, ben.id, c.id, 'digest');
    await setSubscription(store, cat.id, c.id, 'off');
    const mine = await makeCollection(store, ann, { name: 'Private' });
    await put(ann, c.id, 'q', { summary: 'Q' });
    await put(ann, mine.id, 'p', { summary: 'P' });
    await fanoutAt(WINDOW + 1000);
    assert.deepEqual(await newMail(), []);
  });
});

describe('the circuit breaker', () => {
  it('freezes a collection on a spike, tells the owner and admins instead of the members, and resumes when unfrozen', async () => {
    const c = await makeCollection(store, ann, { name: 'Imported' });
    await shareCollection(store, ann.id, c.id, ben.email, 'viewer', TEST_AUDIT);
    for (let i = 0; i < 6; i++) await put(ann, c.id, `bulk-${i}`, { summary: `Bulk ${i}` }, 'api');
    const report = await fanoutAt(WINDOW + 1000, { collection: 5 });
    assert.deepEqual(report.frozen, [c.id]);
    const mail = await newMail();
    assert.deepEqual(mail.map((m) => [m.to, m.kind]).sort(), [['ann@example.com', 'notice'], ['root@example.com', 'notice']]);
    assert.equal(mail[0]!.payload.subject, 'Alerts paused for “Imported”');
    assert.match(mail[0]!.payload.text, /6 changed items within an hour, over the budget of 5 per hour/);
    assert.match(mail[0]!.payload.text, /tidings alerts unfreeze \d+/);

    // Frozen: further changes alert nobody.
    await put(ann, c.id, 'after', { summary: 'After' });
    await fanoutAt(2 * WINDOW + 2000, { collection: 5 });
    assert.deepEqual(await newMail(), []);

    await assert.rejects(unfreezeAlerts(store, ben.id, c.id, TEST_AUDIT), { name: 'Forbidden' });
    await unfreezeAlerts(store, ann.id, c.id, TEST_AUDIT);
    await put(ann, c.id, 'resumed', { summary: 'Resumed' });
    await fanoutAt(3 * WINDOW + 3000, { collection: 5 });
    assert.deepEqual((await newMail()).map((m) => m.payload.subject), ['Imported: “Resumed” added']);
  });

  it('skips a recipient over their hourly budget', async () => {
    const c = await makeCollection(store, ann, { name: 'Busy' });
    await shareCollection(store, ann.id, c.id, cat.email, 'viewer', TEST_AUDIT);
    await put(ann, c.id, 'x', { summary: 'X' });
    // Cat already had alerts this hour from the tests above; a budget of 1 is spent.
    const report = await fanoutAt(4 * WINDOW, { recipient: 1 });
    assert.equal(report.overRecipientBudget, 1);
    assert.deepEqual(await newMail(), []);
  });

  it('a queued alert renders as a message mailparser reads back', async () => {
    const row = await store.db.outboxMessage.findFirstOrThrow({ where: { kind: 'alert' } });
    const payload = JSON.parse(row.payload) as OutboxPayload;
    const parsed = await simpleParser(`Subject: ${payload.subject}\r\n\r\n${payload.text}`);
    assert.equal(parsed.subject, payload.subject);
  });
});
