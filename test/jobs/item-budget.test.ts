// Jobs that walk stored data give each item a budget: an item whose
// expansion fails (data stored before the calendar limits) or runs over
// JOB_ITEM_BUDGET_MS is logged and quarantined, later runs skip it, and an
// edited item is tried again. The other items' reminders still go out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser } from '../../src/domain/accounts.ts';
import { listQuarantine } from '../../src/domain/job-quarantine.ts';
import { putItem } from '../../src/domain/items.ts';
import { itemBudget } from '../../src/jobs/item-budget.ts';
import { run as reminders } from '../../src/jobs/reminders.ts';
import { mysqlRunner } from '../../src/store/sql.ts';
import { alertWorld, outboxRows, testClock } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('item_budget');
const world = await alertWorld(db, {}, testClock('2026-12-01T09:46:00Z'));
const { store } = db;
const signal = new AbortController().signal;
const owner = await createUser(store, { email: 'owner@example.com', password: 'correct horse battery' }, TEST_AUDIT);
const family = await makeCollection(store, owner, { name: 'Family', timeZone: 'UTC' });

const event = (uid: string, rrule: string) =>
  [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN',
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261001T000000Z', 'DTSTART:20261201T100000Z', 'DTEND:20261201T103000Z', rrule, `SUMMARY:${uid}`,
    'BEGIN:VALARM', 'ACTION:EMAIL', 'TRIGGER:-PT15M', 'SUMMARY:soon', 'DESCRIPTION:soon', 'END:VALARM',
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');

// A rule today's writes refuse, stored as an older version would have stored it.
async function storeAsIs(uid: string, icalendar: string): Promise<void> {
  await mysqlRunner(store.pool).run(
    `INSERT INTO items (collectionId, uid, resourceName, kind, icalendar, summary, startUtc, endUtc, isRecurring, etag, version, sizeBytes, origin, updatedAt)
     VALUES (?, ?, ?, 'VEVENT', ?, ?, ?, NULL, 1, 'legacy', 1, ?, 'caldav', NOW(3))
     ON DUPLICATE KEY UPDATE icalendar = VALUES(icalendar)`,
    [family.id, uid, `${uid}.ics`, icalendar, uid, new Date('2026-12-01T10:00:00Z'), Buffer.byteLength(icalendar)],
  );
}

describe('a job\'s per-item budget', () => {
  it('quarantines a stored event its expansion fails on, skips it afterwards, and still sends the others\' reminders', async () => {
    await putItem(store, { actorUserId: owner.id, collectionId: family.id, origin: 'caldav', icalendar: event('standup', 'RRULE:FREQ=DAILY;COUNT=3') });
    await storeAsIs('legacy', event('legacy', 'RRULE:FREQ=DAILY;BYDAY=XX'));

    const first = (await reminders(world.ctx, signal)) as { sent: number; skipped: number; quarantined: number };
    assert.deepEqual([first.sent, first.skipped, first.quarantined], [1, 0, 1]);
    const set = await listQuarantine(store.pool, 'reminders');
    assert.deepEqual(
      set.map((q) => [q.collectionId, q.uid]),
      [[family.id, 'legacy']],
    );
    assert.match(set[0]!.reason, /^failed: invalid BYDAY value "XX"/);
    assert.deepEqual((await outboxRows(store)).map((r) => r.kind), ['reminder']);

    const second = (await reminders(world.ctx, signal)) as { skipped: number; quarantined: number };
    assert.deepEqual([second.skipped, second.quarantined], [1, 0], 'the quarantined item is not expanded again');

    // Edited: its data is new, so it is tried again (and, still failing, set aside again).
    await storeAsIs('legacy', event('legacy', 'RRULE:FREQ=DAILY;BYDAY=YY'));
    const third = (await reminders(world.ctx, signal)) as { skipped: number; quarantined: number };
    assert.deepEqual([third.skipped, third.quarantined], [0, 1]);
    assert.equal((await listQuarantine(store.pool, 'reminders')).length, 2);
  });

  it('quarantines an item whose step runs over the budget, keeping this run\'s result', async () => {
    const budget = await itemBudget({ ...world.ctx, config: { ...world.ctx.config, jobItemBudgetMs: 5 } }, 'test-job');
    const item = { collectionId: family.id, uid: 'slow', icalendar: 'slow data' };
    const result = await budget.run(item, () => {
      const end = performance.now() + 50; // ten times the budget, on purpose
      while (performance.now() < end);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(budget.quarantined, 1);
    const [q] = await listQuarantine(store.pool, 'test-job');
    assert.match(q!.reason, /^took \d+ ms, over the 5 ms budget$/);
    assert.equal((await itemBudget(world.ctx, 'test-job')).skip(item), true);
    assert.equal((await itemBudget(world.ctx, 'test-job')).skip({ ...item, icalendar: 'edited' }), false);
  });
});
