// A second, independent real CalDAV client: Debian's vdirsyncer, two-way
// syncing the server's calendar with a local folder of .ics files. It finds
// the calendar from the server's bare address (the well-known redirect),
// lists with PROPFIND, fetches with calendar-multiget and writes with
// If-Match/If-None-Match, comparing ETags only. The last part simulates a
// restore from a backup (DESIGN.md "Restores never revert anyone's data").
//
// vdirsyncer runs asynchronously (spawn, never spawnSync): the server it
// talks to lives in this very process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { deleteItem, getItemByUid, listItems, putItem } from '../../src/domain/items.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase, TEST_SERVER } from '../helpers/database.ts';
import { DAV, DavClient, errorCondition, propfindBody, propText, startServer } from '../helpers/dav.ts';
import { eventIcs, makeCollection, makeUser } from '../helpers/world.ts';

// Fail (never skip) when the client is missing: this test is the issue's
// second independent client, and CI installs it (.ci/run).
const version = spawnSync('vdirsyncer', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  throw new Error(`vdirsyncer is not available (${version.error?.message ?? version.stderr}); install it: apt-get install -y vdirsyncer`);
}

const db = await freshDatabase('vdirsyncer');
const { store } = db;
const base = await startServer(store);
const user = await makeUser(store, 'vd');
const collection = await makeCollection(store, user, { slug: 'family', name: 'Family' });
const dav = new DavClient(base, user.email);
const collectionUrl = `${dav.home}family/`;

const work = await mkdtemp(path.join(tmpdir(), 'tidings-vdirsyncer-'));
after(() => rm(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  output: string;
}

function run(cmd: string, args: string[], opts: { input?: string; stdinFile?: string; stdoutFile?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    // With stdoutFile, resolve once the file is completely written, not just when the process ends.
    const written = opts.stdoutFile ? finished(child.stdout.pipe(createWriteStream(opts.stdoutFile))) : Promise.resolve();
    if (!opts.stdoutFile) child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => written.then(() => resolve({ code, output }), reject));
    if (opts.stdinFile) createReadStream(opts.stdinFile).pipe(child.stdin);
    else child.stdin.end(opts.input ?? '');
  });
}

/** One vdirsyncer installation: its config, its local folder ("a") and its status directory. */
class Vdirsyncer {
  readonly dir: string;
  readonly config: string;
  readonly local: string;
  readonly status: string;

  constructor(name: string) {
    this.dir = path.join(work, name);
    this.config = path.join(this.dir, 'config');
    this.local = path.join(this.dir, 'calendars');
    this.status = path.join(this.dir, 'status');
  }

  /** The local folder vdirsyncer keeps for our collection. */
  get folder(): string {
    return path.join(this.local, 'family');
  }

  async init(): Promise<void> {
    await mkdir(this.local, { recursive: true });
    // "a" is the local folder, so "a wins" means the client's copy wins a conflict.
    await writeFile(
      this.config,
      `[general]
status_path = "${this.status}/"

[pair tidings]
a = "tidings_local"
b = "tidings_remote"
collections = ["from a", "from b"]
conflict_resolution = "a wins"

[storage tidings_local]
type = "filesystem"
path = "${this.local}/"
fileext = ".ics"

[storage tidings_remote]
type = "caldav"
url = "${base}/"
username = "${user.email}"
password = "${dav.password}"
`,
    );
  }

  async cmd(args: string[], input = ''): Promise<string> {
    const r = await run('vdirsyncer', ['-c', this.config, ...args], { input });
    assert.equal(r.code, 0, `vdirsyncer ${args.join(' ')} exited with ${r.code}:\n${r.output}`);
    return r.output;
  }

  /** Discovery from the server's bare address; "y" answers "create the local folder?". */
  discover(): Promise<string> {
    return this.cmd(['discover'], 'y\n'.repeat(10));
  }

  sync(): Promise<string> {
    return this.cmd(['sync']);
  }

  /** Local files by UID. */
  async files(): Promise<Map<string, { file: string; text: string }>> {
    const byUid = new Map<string, { file: string; text: string }>();
    for (const name of await readdir(this.folder)) {
      if (!name.endsWith('.ics')) continue;
      const file = path.join(this.folder, name);
      const text = await readFile(file, 'utf8');
      byUid.set(uidOf(text), { file, text });
    }
    return byUid;
  }

  async file(uid: string): Promise<{ file: string; text: string }> {
    const found = (await this.files()).get(uid);
    assert.ok(found, `a local file for ${uid} in ${this.folder}: ${[...(await this.files()).keys()].join(', ')}`);
    return found;
  }

  /** Writes a local file the way editors do (a new file renamed over the old one). */
  async write(name: string, text: string): Promise<void> {
    const tmp = path.join(this.folder, `.${name}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path.join(this.folder, name));
  }

  async editSummary(uid: string, summary: string): Promise<void> {
    const { file, text } = await this.file(uid);
    await this.write(path.basename(file), text.replace(/^SUMMARY:.*$/m, `SUMMARY:${summary}`));
  }
}

const uidOf = (text: string) => /^UID:(.*?)\r?$/m.exec(text)?.[1] ?? '';
const summaryOf = (text: string) => /^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? '';
/** The actions a sync run took (its info lines), e.g. "Copying (uploading) item X to tidings_remote/family". */
const copies = (output: string) => output.split('\n').filter((l) => /^(Copying \(|Deleting item |Doing conflict resolution)/.test(l));

/** What the SMTP robot would store: an event addressed by its UID, origin email. */
async function mailEvent(uid: string, summary: string) {
  return putItem(store, { actorUserId: user.id, collectionId: collection.id, icalendar: eventIcs(uid, { summary }), origin: 'email' });
}

async function serverItem(uid: string) {
  const item = await getItemByUid(store, user.id, collection.id, uid);
  assert.ok(item, `the server holds ${uid}`);
  return item;
}

async function syncToken(): Promise<string> {
  return propText((await dav.propfind(collectionUrl, '0', propfindBody([DAV, 'sync-token']))).byHref(collectionUrl), `{${DAV}}sync-token`);
}

const syncCollection = (token: string) =>
  `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;

// --- the database as an operator backs it up and restores it ------------------
const server = new URL(TEST_SERVER);
const connectionArgs = ['--protocol=TCP', `--host=${server.hostname}`, `--port=${server.port || '3306'}`, `--user=${decodeURIComponent(server.username || 'root')}`];
const connectionEnv: Record<string, string> = server.password ? { MYSQL_PWD: decodeURIComponent(server.password) } : {};
const dumpTool = spawnSync('sh', ['-c', 'command -v mariadb-dump || command -v mysqldump'], { encoding: 'utf8' }).stdout.trim();
const sqlTool = spawnSync('sh', ['-c', 'command -v mariadb || command -v mysql'], { encoding: 'utf8' }).stdout.trim();

async function backup(file: string): Promise<void> {
  assert.ok(dumpTool, 'mariadb-dump or mysqldump on PATH (installed with MariaDB)');
  const r = await run(dumpTool, [...connectionArgs, '--single-transaction', db.name], { stdoutFile: file, env: connectionEnv });
  assert.equal(r.code, 0, `${dumpTool} failed: ${r.output}`);
}

async function restore(file: string): Promise<void> {
  assert.ok(sqlTool, 'the mariadb or mysql client on PATH');
  const recreate = await run(sqlTool, [...connectionArgs, '-e', `DROP DATABASE \`${db.name}\`; CREATE DATABASE \`${db.name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`], {
    env: connectionEnv,
  });
  assert.equal(recreate.code, 0, recreate.output);
  const load = await run(sqlTool, [...connectionArgs, db.name], { stdinFile: file, env: connectionEnv });
  assert.equal(load.code, 0, load.output);
}

// -------------------------------------------------------------------------------

const phone = new Vdirsyncer('phone');
const mailUid = `mail-${randomBytes(16).toString('hex')}@in.tidings.test`;

describe('vdirsyncer against Tidings', () => {
  it('discovers the calendar from the bare server address and downloads what email put there', async () => {
    await mailEvent(mailUid, 'School play');
    await phone.init();
    const discovered = await phone.discover();
    assert.match(discovered, /"family" \("Family"\)/, discovered);
    const out = await phone.sync();
    assert.equal(copies(out).length, 1, out);
    const local = await phone.file(mailUid);
    assert.equal(summaryOf(local.text), 'School play');
    // A second run finds nothing to do: the ETags it stored are the ones the server lists.
    assert.deepEqual(copies(await phone.sync()), []);
  });

  it('uploads a new local file and a local edit; the server has them with new ETags', async () => {
    const before = await serverItem(mailUid);
    await phone.write('local-new.ics', eventIcs('local-new', { summary: 'Made on the laptop', start: '20261203T090000Z', end: '20261203T100000Z' }));
    await phone.editSummary(mailUid, 'School play (moved to the gym)');
    const out = await phone.sync();
    assert.equal(copies(out).length, 2, out);

    const created = await serverItem('local-new');
    assert.equal(created.summary, 'Made on the laptop');
    assert.equal(created.origin, 'caldav');
    assert.equal(created.resourceName, 'local-new.ics');
    const edited = await serverItem(mailUid);
    assert.equal(edited.summary, 'School play (moved to the gym)');
    assert.equal(edited.version, before.version + 1);
    assert.notEqual(edited.etag, before.etag);
    // The ETags vdirsyncer got back from its PUTs are the ones PROPFIND lists: nothing to do.
    assert.deepEqual(copies(await phone.sync()), []);
  });

  it('brings a server-side edit and a server-side delete to the local folder', async () => {
    await mailEvent('mail-edit', 'Dentist');
    await mailEvent('mail-gone', 'Plumber');
    await phone.sync();
    assert.ok((await phone.files()).has('mail-gone'));

    await mailEvent('mail-edit', 'Dentist (15 minutes later)');
    const gone = await serverItem('mail-gone');
    await deleteItem(store, { actorUserId: user.id, collectionId: collection.id, resourceName: gone.resourceName, origin: 'email' });
    const out = await phone.sync();
    assert.equal(copies(out).length, 2, out);
    assert.equal(summaryOf((await phone.file('mail-edit')).text), 'Dentist (15 minutes later)');
    assert.equal((await phone.files()).has('mail-gone'), false, 'the local file of the deleted event is gone');
  });

  it('deletes on the server what was deleted locally', async () => {
    await mailEvent('mail-local-delete', 'Piano lesson');
    await phone.sync();
    await unlink((await phone.file('mail-local-delete')).file);
    const out = await phone.sync();
    assert.deepEqual(copies(out), ['Deleting item mail-local-delete from tidings_remote/family'], out);
    assert.equal(await getItemByUid(store, user.id, collection.id, 'mail-local-delete'), null);
    const log = await store.db.change.findFirst({ where: { collectionId: collection.id, uid: 'mail-local-delete' }, orderBy: { position: 'desc' } });
    assert.equal(log?.operation, 'delete');
    assert.equal(log?.origin, 'caldav');
  });

  it('syncs edits on both sides (to different items) in one round', async () => {
    await phone.editSummary('local-new', 'Made on the laptop, edited there');
    await mailEvent('mail-edit', 'Dentist (cancelled, then rebooked)');
    const out = await phone.sync();
    assert.equal(copies(out).length, 2, out);
    assert.doesNotMatch(out, /conflict/i);
    assert.equal((await serverItem('local-new')).summary, 'Made on the laptop, edited there');
    assert.equal(summaryOf((await phone.file('mail-edit')).text), 'Dentist (cancelled, then rebooked)');
    assert.deepEqual(
      (await listItems(store, user.id, collection.id)).map((i) => i.uid).sort(),
      [...(await phone.files()).keys()].sort(),
      'the same items on both sides',
    );
  });

  it('after a restore, loses and reverts nothing the client holds', async () => {
    // A second client of the same user, to show what vdirsyncer does when it
    // keeps its status across the restore.
    const tablet = new Vdirsyncer('tablet');
    await tablet.init();
    await tablet.discover();
    await tablet.sync();

    // The nightly backup.
    const tokenAtBackup = await syncToken();
    const dump = path.join(work, 'backup.sql');
    await backup(dump);
    const atBackup = await serverItem(mailUid);

    // After the backup point the phone makes a new item and an edit, and syncs
    // them; the tablet picks them up.
    await phone.write('after-backup.ics', eventIcs('after-backup', { summary: 'Made after the backup', start: '20261204T090000Z', end: '20261204T100000Z' }));
    await phone.editSummary(mailUid, 'School play (gym, 18:00)');
    assert.equal(copies(await phone.sync()).length, 2);
    assert.equal((await serverItem(mailUid)).summary, 'School play (gym, 18:00)');
    assert.equal(copies(await tablet.sync()).length, 2);
    const tokenAfterBackup = await syncToken();
    const phoneBefore = await phone.files();

    // The restore, as an operator does it: the database rewound to the dump,
    // then `tidings epoch renew`.
    await restore(dump);
    assert.equal((await serverItem(mailUid)).etag, atBackup.etag, 'the server is back at the backup point');
    assert.equal(await getItemByUid(store, user.id, collection.id, 'after-backup'), null);
    const renew = await runCli(['epoch', 'renew'], { DATABASE_URL: db.url, MAIL_DOMAIN: 'in.tidings.test' });
    assert.equal(renew.code, 0, renew.stderr);

    // Token-based clients notice on their own: any token issued before the
    // restore — before or after the backup point — is refused, and an initial
    // sync hands out a token of the new epoch.
    for (const token of [tokenAtBackup, tokenAfterBackup]) {
      const res = await dav.expect(403, 'REPORT', collectionUrl, { body: syncCollection(token), headers: { Depth: '1' } });
      assert.equal(errorCondition(res.text), '{DAV:}valid-sync-token', token);
    }
    const fresh = await dav.report(collectionUrl, syncCollection(''));
    assert.notEqual(fresh.syncToken!.split('-')[0], tokenAtBackup.split('-')[0]);

    // vdirsyncer has no token: it compares each item's ETag with the one in
    // its status. Keeping that status across a restore, the tablet takes the
    // server's older copy for a server-side change and the missing item for a
    // server-side delete: it reverts the edit and deletes the new item locally
    // (writing nothing to the server). The epoch cannot reach a client that
    // never asks for a token or ctag; this is why vdirsyncer users reset
    // their status after a restore (next step).
    const kept = await tablet.sync();
    assert.equal(summaryOf((await tablet.file(mailUid)).text), atBackup.summary, kept);
    assert.equal((await tablet.files()).has('after-backup'), false, kept);
    assert.equal((await serverItem(mailUid)).etag, atBackup.etag, 'the tablet wrote nothing to the server');

    // The phone's recovery is a full re-sync, which is what the new epoch
    // makes token-based clients do by themselves: vdirsyncer's equivalent is
    // a fresh status. Every item then counts as present on both sides with no
    // history; where the copies differ, "a wins" keeps the local one and
    // uploads it (If-Match on the server's current ETag), and what only the
    // phone has is uploaded.
    await rm(phone.status, { recursive: true, force: true });
    await phone.discover();
    const resynced = await phone.sync();
    assert.match(resynced, /Copying \(uploading\) item after-backup to tidings_remote/, resynced);
    assert.match(resynced, new RegExp(`Copying \\(updating\\) item ${mailUid.replace(/[.]/g, '\\.')} to tidings_remote`), resynced);
    assert.doesNotMatch(resynced, /to tidings_local/, `nothing local was overwritten:\n${resynced}`);

    const recovered = await serverItem(mailUid);
    assert.equal(recovered.summary, 'School play (gym, 18:00)', 'the server holds the phone’s newer version');
    assert.notEqual(recovered.etag, atBackup.etag);
    assert.equal((await serverItem('after-backup')).summary, 'Made after the backup');
    const phoneAfter = await phone.files();
    assert.deepEqual([...phoneAfter.keys()].sort(), [...phoneBefore.keys()].sort());
    for (const [uid, { text }] of phoneBefore) assert.equal(phoneAfter.get(uid)?.text, text, `the phone's ${uid} is untouched`);
    assert.deepEqual(copies(await phone.sync()), [], 'and the next round has nothing to do');

    // The tablet, still on its old status, now sees the recovered items as
    // server-side changes and gets its data back.
    await tablet.sync();
    assert.equal(summaryOf((await tablet.file(mailUid)).text), 'School play (gym, 18:00)');
    assert.equal(summaryOf((await tablet.file('after-backup')).text), 'Made after the backup');
    await unlink(dump);
  });
});
