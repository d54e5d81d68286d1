// The jobs run in-process on bree's schedule: a change written through the
// domain comes out as an .eml file with no one calling the jobs by hand; a
// run over its time limit is asked to stop; stop() waits for running jobs.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createUser } from '../../src/domain/accounts.ts';
import { shareCollection } from '../../src/domain/collections.ts';
import { putItem } from '../../src/domain/items.ts';
import { JOBS, type JobDefinition } from '../../src/jobs/index.ts';
import { startJobs } from '../../src/jobs/scheduler.ts';
import { alertWorld } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { TEST_AUDIT, eventIcs, makeCollection } from '../helpers/world.ts';

const db = await freshDatabase('jobs');
// A zero coalescing window and the real clock: the scheduled jobs do it all.
const world = await alertWorld(db, { ALERT_COALESCE_SECONDS: '0' }, { now: () => new Date(), set: () => undefined, advance: () => undefined });

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  // A bound against hanging forever, not a timing assertion.
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`gave up waiting for ${what}`);
}

describe('the job scheduler', () => {
  it('lists every job with its name, interval, first-run delay and run limit', () => {
    assert.deepEqual(JOBS.map((j) => j.name), ['alert-fanout', 'outbox-delivery', 'webhook-delivery', 'reminders', 'daily-digests']);
    for (const j of JOBS) assert.ok(j.interval > 0 && j.timeout >= 0 && j.closeWorkerAfterMs > 0, j.name);
  });

  it('turns a change into a delivered alert on its own schedule, and stops cleanly', async () => {
    const owner = await createUser(db.store, { email: 'owner@example.com', password: 'correct horse battery' }, TEST_AUDIT);
    const member = await createUser(db.store, { email: 'member@example.com', password: 'correct horse battery' }, TEST_AUDIT);
    const c = await makeCollection(db.store, owner);
    await shareCollection(db.store, owner.id, c.id, member.email, 'viewer', TEST_AUDIT);
    const fast = JOBS.map((j) => ({ ...j, interval: 100, timeout: 0 }));
    const jobs = await startJobs(world.ctx, fast);
    try {
      await putItem(db.store, { actorUserId: owner.id, collectionId: c.id, origin: 'caldav', icalendar: eventIcs('scheduled', { summary: 'Scheduled' }) });
      await until('an .eml file in the outbox folder', () => readdirSync(world.outboxDir).some((f) => f.endsWith('.eml')));
    } finally {
      await jobs.stop();
    }
    const rows = await db.store.db.outboxMessage.findMany();
    assert.deepEqual(rows.map((r) => [r.recipient, r.state]), [['member@example.com', 'sent']]);
  });

  it('asks a run that outlives its limit to stop (its signal is aborted), and stop() waits for it', async () => {
    let aborted = false;
    let finished = false;
    const slow: JobDefinition = {
      ...JOBS[0]!,
      name: 'slow',
      interval: 60_000,
      timeout: 0,
      closeWorkerAfterMs: 100,
      run: async (_ctx, signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
        await new Promise((r) => setTimeout(r, 20));
        finished = true;
        return {};
      },
    };
    const jobs = await startJobs(world.ctx, [slow]);
    await until('the slow run to be aborted', () => aborted);
    await jobs.stop();
    assert.equal(finished, true);
  });
});
