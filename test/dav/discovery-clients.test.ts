// Three independent, real CalDAV clients given only what a user types: the
// server's bare address (http://host:port/) or its well-known URL. Each must
// find the user's calendar and read an event that email put there.
//
// They differ exactly where discovery breaks: python3-caldav (requests)
// follows the well-known 301 WITHOUT its PROPFIND body, so the DAV root gets an
// allprop; vdirsyncer (aiohttp) follows it WITH the body; tsdav reads the
// Location itself. PROPFIND on "/" is answered in place, no redirect.
//
// The clients run asynchronously (spawn, never spawnSync): the server they
// talk to lives in this very process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DAVClient } from 'tsdav';
import { putItem } from '../../src/domain/items.ts';
import { freshDatabase } from '../helpers/database.ts';
import { PASSWORD, startServer } from '../helpers/dav.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

// Debian's python3-caldav lives in the system Python, not in a pyenv one.
const PYTHON = '/usr/bin/python3';
for (const [cmd, args, install] of [
  [PYTHON, ['-c', 'import caldav'], 'apt-get install -y python3-caldav'],
  ['vdirsyncer', ['--version'], 'apt-get install -y vdirsyncer'],
] as const) {
  const probe = spawnSync(cmd, args, { encoding: 'utf8' });
  // Fail (never skip): these are the clients the discovery promise is about.
  if (probe.error || probe.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${probe.error?.message ?? probe.stderr}); install it: ${install}`);
}

const { store } = await freshDatabase('dav_discovery_clients');
const base = await startServer(store);
const user = await makeUser(store, 'disco');
const collection = await makeCollection(store, user, { slug: 'family', name: 'Family' });
await putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs('school-play@example.org', { summary: 'School play' }), origin: 'email' });
const calendarUrl = `${base}/dav/calendars/${user.email}/family/`;

const work = await mkdtemp(path.join(tmpdir(), 'tidings-discovery-'));
after(() => rm(work, { recursive: true, force: true }));

const STARTS = { 'the bare server address': `${base}/`, 'the well-known URL': `${base}/.well-known/caldav` };

function run(cmd: string, args: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const summaries = (ics: string) => [...ics.matchAll(/^SUMMARY:(.*?)\r?$/gm)].map((m) => m[1]);

// The library's documented first steps: principal, its calendars, their events.
const PYTHON_CLIENT = `
import json, sys, caldav
url, username, password = sys.argv[1:4]
client = caldav.DAVClient(url, username=username, password=password)
out = []
for calendar in client.principal().calendars():
    out.append({"url": str(calendar.url), "name": calendar.name, "events": [event.data for event in calendar.events()]})
print(json.dumps(out))
`;

describe('python3-caldav discovers from what the user typed', () => {
  for (const [start, url] of Object.entries(STARTS)) {
    it(`finds the calendar and reads the event from ${start}`, async () => {
      const r = await run(PYTHON, ['-c', PYTHON_CLIENT, url, user.email, PASSWORD]);
      assert.equal(r.code, 0, r.stderr);
      const calendars = JSON.parse(r.stdout) as Array<{ url: string; name: string; events: string[] }>;
      // The library percent-encodes the "@" of the address: the same URL.
      assert.deepEqual(
        calendars.map((c) => [decodeURIComponent(c.url), c.name]),
        [[calendarUrl, 'Family']],
        r.stderr,
      );
      assert.deepEqual(calendars[0]!.events.flatMap(summaries), ['School play']);
    });
  }
});

describe('tsdav discovers from what the user typed', () => {
  for (const [start, url] of Object.entries(STARTS)) {
    it(`finds the calendar and reads the event from ${start}`, async () => {
      const client = new DAVClient({ serverUrl: url, credentials: { username: user.email, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
      await client.login();
      const calendars = await client.fetchCalendars();
      assert.deepEqual(
        calendars.map((c) => [c.url, c.displayName]),
        [[calendarUrl, 'Family']],
      );
      const objects = await client.fetchCalendarObjects({ calendar: calendars[0]! });
      assert.deepEqual(objects.flatMap((o) => summaries(String(o.data))), ['School play']);
    });
  }
});

describe('vdirsyncer discovers from what the user typed', () => {
  for (const [start, url] of Object.entries(STARTS)) {
    it(`finds the calendar and downloads the event from ${start}`, async () => {
      const dir = await mkdtemp(path.join(work, 'vdirsyncer-'));
      const local = path.join(dir, 'calendars');
      await mkdir(local);
      const config = path.join(dir, 'config');
      await writeFile(
        config,
        `[general]
status_path = "${dir}/status/"

[pair tidings]
a = "tidings_local"
b = "tidings_remote"
collections = ["from b"]

[storage tidings_local]
type = "filesystem"
path = "${local}/"
fileext = ".ics"

[storage tidings_remote]
type = "caldav"
url = "${url}"
username = "${user.email}"
password = "${PASSWORD}"
`,
      );
      // "y" answers "create the local folder?".
      const discovered = await run('vdirsyncer', ['-c', config, 'discover'], {}, 'y\n'.repeat(5));
      assert.equal(discovered.code, 0, discovered.stdout + discovered.stderr);
      assert.match(discovered.stdout + discovered.stderr, /"family" \("Family"\)/);
      const synced = await run('vdirsyncer', ['-c', config, 'sync']);
      assert.equal(synced.code, 0, synced.stdout + synced.stderr);
      const files = await readdir(path.join(local, 'family'));
      const texts = await Promise.all(files.filter((f) => f.endsWith('.ics')).map((f) => readFile(path.join(local, 'family', f), 'utf8')));
      assert.deepEqual(texts.flatMap(summaries), ['School play']);
    });
  }
});
