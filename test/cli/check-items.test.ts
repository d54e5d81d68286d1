// `tidings check-items` end to end: a child process against a real database
// holding items an older version stored before the limits on calendar data
// (written here straight into the table, as that version would have).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store, url } = await freshDatabase('clicheck');

interface Report {
  checked: number;
  problems: Array<{ collectionId: string; ownerEmail: string; resourceName: string; uid: string; reason: string }>;
}

async function checkItems(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['check-items', ...args], { DATABASE_URL: url });
}

describe('tidings check-items', () => {
  it('lists the stored items that break the limits, with why, and changes nothing', async () => {
    const owner = await makeUser(store, 'checker');
    const cal = await makeCollection(store, owner, { timeZone: 'Europe/Berlin' });
    const put = (uid: string, name: string) => putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: eventIcs(uid), origin: 'caldav', resourceName: name });
    await put('fine@old', 'fine.ics');
    await put('never@old', 'never.ics');
    await put('nul@old', 'nul.ics');
    const stored = {
      'never.ics': eventIcs('never@old', { extra: 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3' }),
      'nul.ics': eventIcs('nul@old', { summary: 'a\u0000b' }),
    };
    for (const [resourceName, icalendar] of Object.entries(stored)) {
      await store.db.item.updateMany({ where: { collectionId: cal.id, resourceName }, data: { icalendar } });
    }

    const r = await checkItems('--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.checked, 3);
    assert.deepEqual(
      report.problems.map((p) => [p.resourceName, p.uid, p.ownerEmail, p.collectionId]),
      [
        ['never.ics', 'never@old', owner.email, String(cal.id)],
        ['nul.ics', 'nul@old', owner.email, String(cal.id)],
      ],
    );
    assert.match(report.problems[0]!.reason, /yields no occurrence after DTSTART/);
    assert.match(report.problems[1]!.reason, /NUL/);
    for (const [resourceName, icalendar] of Object.entries(stored)) {
      assert.equal((await store.db.item.findFirstOrThrow({ where: { collectionId: cal.id, resourceName } })).icalendar, icalendar, 'left as it was');
    }

    const human = await checkItems();
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^3 item\(s\) checked; 2 break the limits on calendar data\n/);
    assert.match(human.stdout, /never\.ics UID never@old: the RRULE of VEVENT yields no occurrence/);
  });
});
