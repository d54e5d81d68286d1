// `tidings repair timezones` end to end: a child process against a real
// database holding an item an older version stored without its VTIMEZONE.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { instantByOwnVtimezone } from '../helpers/vtimezones.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store, url } = await freshDatabase('clirepair');

describe('tidings repair timezones', () => {
  it('reports with --dry-run, then repairs, then finds nothing more', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner, { timeZone: 'Europe/Berlin' });
    await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs('lunch@old'), origin: 'email', resourceName: 'lunch.ics' });
    const legacy = eventIcs('lunch@old', { start: 'X', end: 'X' })
      .replace('DTSTART:X', 'DTSTART;TZID=Europe/Berlin:20261127T123000')
      .replace('DTEND:X', 'DTEND;TZID=Europe/Berlin:20261127T133000');
    await store.db.item.updateMany({ where: { collectionId: cal.id }, data: { icalendar: legacy } });
    const run = async (...args: string[]) => {
      const r = await runCli(['repair', 'timezones', ...args, '--json'], { DATABASE_URL: url });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { dryRun: boolean; scanned: number; repaired: Array<{ resourceName: string; added: string[] }> };
    };

    const dry = await run('--dry-run');
    assert.deepEqual(dry.repaired.map((r) => [r.resourceName, r.added]), [['lunch.ics', ['Europe/Berlin']]]);
    assert.equal((await store.db.item.findFirstOrThrow({ where: { collectionId: cal.id } })).icalendar, legacy);

    assert.equal((await run()).repaired.length, 1);
    const item = await store.db.item.findFirstOrThrow({ where: { collectionId: cal.id } });
    assert.equal(instantByOwnVtimezone(item.icalendar), '2026-11-27T11:30:00.000Z');
    assert.deepEqual((await run()).repaired, []);
  });
});
