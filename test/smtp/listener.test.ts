// The listener: STARTTLS when configured, the PROXY protocol behind a load
// balancer, per-IP rate limits (in the database), limits on connections and
// commands, and the service as `tidings serve` runs it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startService } from '../../src/main.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/database.ts';
import { dkimKey, fixedResolver, testDns } from '../helpers/dns.ts';
import { compose, messageId } from '../helpers/mail.ts';
import { inboundOf, itemsOf, makeMailbox } from '../helpers/robot-world.ts';
import { converse, SmtpClient, sendOnce, startTestRobot } from '../helpers/smtp.ts';

const { store, url: databaseUrl } = await freshDatabase('smtplistener');
const resolver = fixedResolver(testDns(dkimKey()));
const certDir = mkdtempSync(path.join(os.tmpdir(), 'tidings-tls-'));
after(() => rmSync(certDir, { recursive: true, force: true }));
const key = path.join(certDir, 'key.pem');
const cert = path.join(certDir, 'cert.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=tidings.test', '-keyout', key, '-out', cert, '-days', '2'], { stdio: 'ignore' });

const tls = await startTestRobot(store, resolver, { SMTP_TLS_KEY: key, SMTP_TLS_CERT: cert });
const proxied = await startTestRobot(store, resolver, { SMTP_PROXY_PROTOCOL: 'on' });
const limited = await startTestRobot(store, resolver, { SMTP_CONNECTIONS_PER_MINUTE: '3', SMTP_MESSAGES_PER_HOUR: '2', SMTP_MAX_COMMANDS: '12', SMTP_MAX_CONNECTIONS: '2' });

const message = (to: string) => compose({ from: 'ana@partner.test', to, subject: 'Water the plants', text: 'Twice a week.', messageId: messageId('partner.test') });

describe('STARTTLS', () => {
  it('is offered with a key and certificate, and mail flows over it', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const [, ehlo] = await converse(tls.port, ['EHLO client.test']);
    assert.match(ehlo!, /^250-STARTTLS$/m);
    const client = await SmtpClient.open(tls.port, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      const r = await client.send('ana@partner.test', box.address, await message(box.address));
      assert.equal(r.response, '250 2.6.0 accepted, 1 item stored');
    } finally {
      await client.close();
    }
  });

  it('refuses a key without a certificate at start-up, naming the variable', () => {
    assert.throws(() => loadConfig({ SMTP_TLS_KEY: key }), /^ConfigError: SMTP_TLS_CERT: STARTTLS needs both SMTP_TLS_KEY and SMTP_TLS_CERT$/);
    assert.throws(() => loadConfig({ SMTP_TLS_KEY: '/no/such/key.pem', SMTP_TLS_CERT: cert }), /SMTP_TLS_KEY: no such file: \/no\/such\/key\.pem/);
  });
});

describe('PROXY protocol', () => {
  it("takes the client's address from the load balancer's PROXY header", async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const raw = (await message(box.address)).toString();
    const replies = await converse(
      proxied.port,
      ['EHLO client.test', 'MAIL FROM:<ana@partner.test>', `RCPT TO:<${box.address}>`, 'DATA', `${raw.replace(/\r?\n\./g, '\r\n..')}\r\n.`, 'QUIT'],
      'PROXY TCP4 203.0.113.9 10.0.0.5 56324 25\r\n',
    );
    // SPF was checked for the real client, not the balancer: partner.test lists 127.0.0.1, not 203.0.113.9.
    assert.equal(replies[5], '550 5.7.1 sender not allowed: the message failed authentication (SPF fail: the sending server may not send mail for partner.test)');
    const [record] = await inboundOf(store, box.addressId);
    assert.equal(record!.remoteAddress, '203.0.113.9');
    assert.equal(JSON.parse(record!.trace).envelope.remoteAddress, '203.0.113.9');
  });
});

describe('limits', () => {
  it('refuses a client past the message rate with 450 4.7.1, and past the connection rate with 421 4.7.0', async () => {
    const box = await makeMailbox(store, { policy: 'anyone' });
    const client = await SmtpClient.open(limited.port);
    try {
      assert.match((await client.send('ana@partner.test', box.address, await message(box.address))).response, /^250 /);
      assert.match((await client.send('ana@partner.test', box.address, await message(box.address))).response, /^250 /);
      const third = await client.send('ana@partner.test', box.address, await message(box.address));
      assert.equal(third.response, '450 4.7.1 too many messages from your address, try again later');
    } finally {
      await client.close();
    }
    await converse(limited.port, ['QUIT']);
    await converse(limited.port, ['QUIT']);
    const [greeting] = await converse(limited.port, []);
    assert.equal(greeting, '421 4.7.0 too many connections from your address, try again later');
    // The counters live in the database, where every instance sees them.
    const [rows] = await store.pool.query<import('mysql2').RowDataPacket[]>("SELECT `key`, points FROM rate_limits WHERE `key` LIKE 'smtp-%' ORDER BY `key`");
    assert.deepEqual(rows.map((r) => [r.key, r.points]), [['smtp-conn:127.0.0.1', 4], ['smtp-msg:127.0.0.1', 3]]);
  });

  it('closes a session that sends more commands than allowed (421 4.7.0)', async () => {
    const other = await startTestRobot(store, resolver, { SMTP_MAX_COMMANDS: '10' });
    const replies = await converse(other.port, ['EHLO client.test', ...Array.from({ length: 10 }, () => 'NOOP')]);
    assert.equal(replies.at(-2), '250 2.0.0 OK');
    assert.equal(replies.at(-1), '421 4.7.0 too many commands in one session');
  });

  it('refuses connections beyond SMTP_MAX_CONNECTIONS', async () => {
    const other = await startTestRobot(store, resolver, { SMTP_MAX_CONNECTIONS: '1' });
    const first = await SmtpClient.open(other.port);
    try {
      const [greeting] = await converse(other.port, []);
      assert.match(greeting!, /^421 /);
    } finally {
      await first.close();
    }
  });
});

describe('the service', () => {
  it('accepts mail on SMTP_PORT for an address made with the CLI, and the item appears in the store', async () => {
    const env = { DATABASE_URL: databaseUrl, MAIL_DOMAIN: 'tidings.test' };
    assert.equal((await runCli(['user', 'add', 'maria@partner.test', '--password', 'correct horse battery'], env)).code, 0);
    const collection = JSON.parse((await runCli(['collection', 'add', 'maria@partner.test', 'Home', '--json'], env)).stdout) as { collection: { id: string } };
    const added = await runCli(['address', 'add', '--collection', String(collection.collection.id), '--policy', 'owner', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const address = (JSON.parse(added.stdout) as { address: { address: string } }).address.address;

    const outbox = mkdtempSync(path.join(os.tmpdir(), 'tidings-svc-'));
    const config = loadConfig({ ...env, HTTP_PORT: '0', SMTP_PORT: '0', OUTBOX_DIR: outbox });
    const logged: string[] = [];
    const service = await startService(config, pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }), { resolver });
    // OUTBOUND_SMTP_URL unset: the warning names the folder OUTBOX_DIR chose, not the default.
    assert.ok(logged.some((l) => l.includes('OUTBOUND_SMTP_URL is not set') && l.includes(outbox)), logged.join(''));
    try {
      const raw = await compose({ from: 'maria@partner.test', to: address, subject: 'Dinner with Ana tomorrow 19:30', messageId: messageId('partner.test') });
      assert.equal((await sendOnce(service.smtpPort, 'maria@partner.test', address, raw)).response, '250 2.6.0 accepted, 1 item stored');
    } finally {
      await service.stop();
      rmSync(outbox, { recursive: true, force: true });
    }
    const items = await itemsOf(store, BigInt(collection.collection.id));
    assert.deepEqual(items.map((i) => [i.kind, i.summary]), [['VEVENT', 'Dinner with Ana']]);
  });
});
