// DKIM signing when a key is configured: the signature verifies (mailauth,
// with the public key served by a fixed resolver) and covers both
// List-Unsubscribe fields, as RFC 8058 requires for one-click.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { listHeaders } from '../../src/mail/outgoing/headers.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { enqueueMessages } from '../../src/domain/outbox/enqueue.ts';
import { run as deliver } from '../../src/jobs/outbox-delivery.ts';
import { mysqlRunner } from '../../src/store/sql.ts';
import { TEST_SECRET, alertWorld, readEmlFiles } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tidings-dkim-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyFile = path.join(dir, 'dkim.pem');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
const publicBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const db = await freshDatabase('dkim');
const world = await alertWorld(db, { DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'mail2026' });

const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'mail2026._domainkey.tidings.example') return [[`v=DKIM1; k=rsa; p=${publicBase64}`]];
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
};

describe('DKIM', () => {
  it('signs outgoing mail so that it verifies, covering List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const headers = listHeaders({ mailDomain: 'tidings.example', publicUrl: 'https://tidings.example', unsubscribeSecret: TEST_SECRET }, { collectionId: 7n, collectionName: 'Équipe “A”', userId: 3n });
    await enqueueMessages(mysqlRunner(db.store.pool), 'tidings.example', [{ kind: 'alert', to: 'reader@example.net', subject: 'Équipe: 1 change', text: 'Grüße', html: '<p>Grüße</p>', headers }], world.clock.now());
    await deliver(world.ctx, new AbortController().signal);
    const [eml] = await readEmlFiles(world.outboxDir);
    assert.ok(eml);
    const result = await dkimVerify(Buffer.from(eml.raw), { resolver });
    assert.equal(result.results.length, 1);
    const [sig] = result.results;
    assert.equal(sig!.status.result, 'pass', JSON.stringify(sig!.status));
    assert.equal(sig!.signingDomain, 'tidings.example');
    assert.equal(sig!.selector, 'mail2026');
    const signed = String((sig as unknown as { signingHeaders?: { keys?: string } }).signingHeaders?.keys ?? '').toLowerCase().split(/:\s*/);
    for (const h of ['from', 'subject', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']) assert.ok(signed.includes(h), `${h} in h=: ${signed.join(',')}`);
    // A non-ASCII collection name travels as encoded words in List-Id.
    assert.match(eml.raw, /^List-Id: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <c7\.alerts\.tidings\.example>/im);
  });

  it('a tampered message fails verification', async () => {
    const [eml] = await readEmlFiles(world.outboxDir);
    const result = await dkimVerify(Buffer.from(eml!.raw.replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click ')), { resolver });
    assert.equal(result.results[0]!.status.result, 'pass', 'whitespace is canonicalised away (relaxed)');
    const forged = await dkimVerify(Buffer.from(eml!.raw.replace(/^(List-Unsubscribe: <https:\/\/tidings\.example\/unsubscribe\/)3\./m, '$14.')), { resolver });
    assert.equal(forged.results[0]!.status.result, 'fail');
  });

  it('a key file that is not a private key is refused at start-up, naming the variable', () => {
    const bad = path.join(dir, 'not-a-key.pem');
    writeFileSync(bad, 'hello');
    assert.throws(() => loadConfig({ DKIM_PRIVATE_KEY_FILE: bad }), (err: unknown) => err instanceof ConfigError && err.variable === 'DKIM_PRIVATE_KEY_FILE');
    assert.throws(() => loadConfig({ DKIM_PRIVATE_KEY_FILE: keyFile, DKIM_SELECTOR: 'bad selector' }), (err: unknown) => err instanceof ConfigError && err.variable === 'DKIM_SELECTOR');
  });
});
