// Items an older version stored with a TZID and no VTIMEZONE are repaired
// once, as writes (new version and ETag, a change row that alerts nobody),
// without moving any instant; complete items are left byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putItem } from '../../src/domain/items.ts';
import { repairMissingVtimezones } from '../../src/domain/timezone-repair.ts';
import { freshDatabase } from '../helpers/database.ts';
import { fixture } from '../helpers/fixtures.ts';
import { instantByOwnVtimezone } from '../helpers/vtimezones.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

const { store } = await freshDatabase('tzrepair');

const ics = (uid: string, ...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tidings//SMTP robot//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T080000Z', 'SUMMARY:Old', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

describe('repairMissingVtimezones', () => {
  it('defines each missing zone (an unknown one as the collection\'s, as it was always read), once, as a write', async () => {
    const owner = await makeUser(store);
    const cal = await makeCollection(store, owner, { timeZone: 'Europe/Berlin' });
    const put = async (name: string, text: string, legacy?: string) => {
      await putItem(store, { actorUserId: owner.id, collectionId: cal.id, icalendar: text, origin: 'email', resourceName: name });
      // What an older version stored, written past today's rule.
      if (legacy) await store.db.item.updateMany({ where: { collectionId: cal.id, resourceName: name }, data: { icalendar: legacy, sizeBytes: Buffer.byteLength(legacy) } });
    };
    const lunch = ics('lunch@old', 'DTSTART;TZID=Europe/Berlin:20261127T123000', 'DURATION:PT1H');
    const office = ics('office@old', 'DTSTART;TZID=Office Time:20261203T100000', 'DURATION:PT1H');
    await put('lunch.ics', eventIcs('lunch@old'), lunch);
    await put('office.ics', eventIcs('office@old'), office);
    await put('custom.ics', fixture('custom-tzid-with-vtimezone.ics'));
    await put('utc.ics', eventIcs('utc@new'));
    const before = await store.db.item.findMany({ where: { collectionId: cal.id }, orderBy: { id: 'asc' } });
    const position = (await store.db.collection.findUniqueOrThrow({ where: { id: cal.id } })).changePosition;

    const dry = await repairMissingVtimezones(store, { dryRun: true });
    assert.deepEqual(dry.repaired.filter((r) => r.collectionId === cal.id).map((r) => [r.resourceName, r.added]), [['lunch.ics', ['Europe/Berlin']], ['office.ics', ['Office Time']]]);
    assert.deepEqual(await store.db.item.findMany({ where: { collectionId: cal.id }, orderBy: { id: 'asc' } }), before, 'a dry run writes nothing');

    const done = await repairMissingVtimezones(store);
    assert.deepEqual(done.repaired.filter((r) => r.collectionId === cal.id).map((r) => r.resourceName), ['lunch.ics', 'office.ics']);
    const after = await store.db.item.findMany({ where: { collectionId: cal.id }, orderBy: { id: 'asc' } });
    const byName = (name: string) => after.find((i) => i.resourceName === name)!;
    const was = (name: string) => before.find((i) => i.resourceName === name)!;

    // 12:30 in Berlin in November is 11:30 UTC; "Office Time" was read as Berlin's, and still is.
    assert.equal(instantByOwnVtimezone(byName('lunch.ics').icalendar), '2026-11-27T11:30:00.000Z');
    assert.equal(instantByOwnVtimezone(byName('office.ics').icalendar), '2026-12-03T09:00:00.000Z');
    for (const name of ['lunch.ics', 'office.ics']) {
      assert.equal(byName(name).startUtc?.toISOString(), was(name).startUtc?.toISOString());
      assert.equal(byName(name).version, was(name).version + 1);
      assert.notEqual(byName(name).etag, was(name).etag);
      assert.equal(byName(name).sizeBytes, Buffer.byteLength(byName(name).icalendar));
    }
    for (const name of ['custom.ics', 'utc.ics']) assert.deepEqual(byName(name), was(name), `${name} was complete and is untouched`);

    const changes = await store.db.change.findMany({ where: { collectionId: cal.id, position: { gt: position } }, orderBy: { position: 'asc' } });
    assert.deepEqual(changes.map((c) => [c.operation, c.uid, c.resourceName, c.changedFields, c.actorUserId]), [
      ['put', 'lunch@old', 'lunch.ics', '', null],
      ['put', 'office@old', 'office.ics', '', null],
    ], 'syncing clients see the new versions; no field changed, so no alert');

    assert.deepEqual((await repairMissingVtimezones(store)).repaired, [], 'a second run finds nothing');
  });
});
