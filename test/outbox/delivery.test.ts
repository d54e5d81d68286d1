// Outbox delivery against a real SMTP server: retries with backoff on 4xx,
// dead letters on 5xx and when attempts run out, interrupted sends never
// repeated, and two workers never sending one row twice.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deliverOutbox } from '../../src/mail/outgoing/outbox/delivery.ts';
import { classifySendError } from '../../src/mail/outgoing/outbox/failures.ts';
import { createMailer } from '../../src/mail/outgoing/outbox/mailer.ts';
import { OUTBOX_QUEUE, claimDue, requeue } from '../../src/store/leased-queue.ts';
import { openStore } from '../../src/store/index.ts';
import { alertWorld, outboxRows, queueMessages } from '../helpers/alerts.ts';
import { freshDatabase } from '../helpers/database.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const db = await freshDatabase('outbox');
const sink = await startSmtpSink();
after(() => sink.close());
const world = await alertWorld(db, { OUTBOUND_SMTP_URL: sink.url, OUTBOX_MAX_ATTEMPTS: '3', OUTBOX_RETRY_BASE_SECONDS: '60' });
const { store } = db;
const DAY = 86_400_000;

function deliver(workerId = world.ctx.workerId, mailer = world.ctx.mailer, extra: { batchSize?: number; concurrency?: number } = {}) {
  return deliverOutbox({ pool: store.pool, mailer, workerId, now: world.clock.now, maxAttempts: 3, retryBaseSeconds: 60, ...extra });
}

async function reset() {
  await store.pool.query('DELETE FROM outbox');
  sink.received.length = 0;
  sink.answer = () => null;
}

describe('delivering the outbox', () => {
  it('a 451 is retried later with backoff and then sent once; a 550 is dead at once', async () => {
    await reset();
    sink.answer = (mail, attempt) => {
      if (mail.rcptTo.includes('flaky@example.net') && attempt === 1) return { code: 451, message: '4.3.0 try again later' };
      if (mail.rcptTo.includes('gone@example.net')) return { code: 550, message: '5.1.1 no such user' };
      return null;
    };
    await queueMessages(store, 'tidings.example', ['flaky@example.net', 'gone@example.net', 'fine@example.net'], world.clock.now());
    const first = await deliver();
    assert.deepEqual([first.sent, first.retried, first.dead], [1, 1, 1]);
    const rows = await outboxRows(store);
    const flaky = rows.find((r) => r.recipient === 'flaky@example.net')!;
    assert.equal(flaky.state, 'queued');
    assert.equal(flaky.attempts, 1);
    assert.match(flaky.lastError, /451/);
    const gone = rows.find((r) => r.recipient === 'gone@example.net')!;
    assert.equal(gone.state, 'dead');
    assert.match(gone.lastError, /550 5\.1\.1 no such user/);

    // Not due yet: the backoff holds it back.
    assert.equal((await deliver()).sent, 0);
    const row = await store.db.outboxMessage.findFirstOrThrow({ where: { recipient: 'flaky@example.net' } });
    const wait = row.nextAttemptAt.getTime() - world.clock.now().getTime();
    assert.ok(wait >= 54_000 && wait <= 66_000, `first retry after about a minute, got ${wait} ms`);

    world.clock.advance(DAY);
    assert.equal((await deliver()).sent, 1);
    assert.deepEqual(sink.received.map((m) => m.rcptTo[0]).sort(), ['fine@example.net', 'flaky@example.net']);
    assert.equal((await outboxRows(store)).find((r) => r.recipient === 'flaky@example.net')!.state, 'sent');
  });

  it('a temporary failure that never clears ends in the dead letters after the last attempt', async () => {
    await reset();
    sink.answer = () => ({ code: 452, message: '4.2.2 mailbox full' });
    await queueMessages(store, 'tidings.example', ['full@example.net'], world.clock.now());
    for (let i = 0; i < 3; i++) {
      await deliver();
      world.clock.advance(DAY);
    }
    const [row] = await outboxRows(store);
    assert.equal(row!.state, 'dead');
    assert.equal(row!.attempts, 3);
    assert.match(row!.lastError, /gave up after 3 attempts: .*452 4\.2\.2 mailbox full/);
    // An operator may put it back; it then goes out when the server takes it.
    sink.answer = () => null;
    assert.equal(await requeue(store.pool, OUTBOX_QUEUE, row!.id, world.clock.now()), true);
    assert.equal((await deliver()).sent, 1);
  });

  it('a send interrupted mid-flight (its lease ran out) is dead-lettered, never sent again', async () => {
    await reset();
    await queueMessages(store, 'tidings.example', ['once@example.net'], world.clock.now());
    // A worker claims the row and dies before recording anything.
    const claimed = await claimDue(store.pool, OUTBOX_QUEUE, { now: world.clock.now(), limit: 10, leaseMs: 60_000, workerId: 'crashed-worker' });
    assert.equal(claimed.length, 1);
    assert.equal((await deliver()).sent, 0, 'a leased row is not touched while the lease runs');
    world.clock.advance(2 * 60_000);
    const report = await deliver();
    assert.deepEqual([report.sent, report.interrupted], [0, 1]);
    const [row] = await outboxRows(store);
    assert.equal(row!.state, 'dead');
    assert.match(row!.lastError, /interrupted while sending \(lease of crashed-worker expired\)/);
    assert.equal(sink.received.length, 0);
  });

  it('two delivery workers (two instances) never send the same row twice', async () => {
    await reset();
    const recipients = Array.from({ length: 300 }, (_, i) => `member${i}@example.net`);
    const queued = await queueMessages(store, 'tidings.example', recipients, world.clock.now());
    const otherStore = openStore(db.url, { connectionLimit: 5 });
    const otherMailer = createMailer({ mailDomain: 'tidings.example', outboundSmtpUrl: sink.url, mail: world.ctx.config.mail });
    try {
      const reports = await Promise.all([
        deliverOutbox({ pool: store.pool, mailer: world.ctx.mailer, workerId: 'instance-a', now: world.clock.now, maxAttempts: 3, retryBaseSeconds: 60, batchSize: 7, concurrency: 4 }),
        deliverOutbox({ pool: otherStore.pool, mailer: otherMailer, workerId: 'instance-b', now: world.clock.now, maxAttempts: 3, retryBaseSeconds: 60, batchSize: 7, concurrency: 4 }),
      ]);
      assert.equal(reports[0]!.sent + reports[1]!.sent, 300);
      assert.ok(reports[0]!.sent > 0 && reports[1]!.sent > 0, `both workers took rows: ${reports[0]!.sent} / ${reports[1]!.sent}`);
    } finally {
      otherMailer.close();
      await otherStore.close();
    }
    const ids = sink.received.map((m) => /^Message-ID: <([^>]+)>/im.exec(m.raw.toString())![1]);
    assert.equal(ids.length, 300);
    assert.equal(new Set(ids).size, 300, 'every Message-ID arrived once');
    assert.deepEqual(new Set(ids), new Set(queued.map((q) => q.messageId)));
    assert.ok((await outboxRows(store)).every((r) => r.state === 'sent' && r.attempts === 1));
  });

  it('each message carries its own Message-ID on MAIL_DOMAIN and a VERP return path', async () => {
    await reset();
    const [queued] = await queueMessages(store, 'tidings.example', ['verp@example.net'], world.clock.now());
    await deliver();
    const [mail] = sink.received;
    assert.equal(mail!.mailFrom, `bounces+${queued!.verpToken}@tidings.example`);
    assert.match(mail!.raw.toString(), new RegExp(`^Message-ID: <${queued!.messageId.replace(/\./g, '\\.')}>`, 'im'));
  });
});

describe('classifying send failures', () => {
  const cases: Array<[string, unknown, 'temporary' | 'permanent']> = [
    ['a 4xx reply', { code: 'EENVELOPE', responseCode: 450, response: '450 4.2.1 try later' }, 'temporary'],
    ['a 5xx reply', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 unknown' }, 'permanent'],
    ['a refused connection', { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'temporary'],
    ['a timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'temporary'],
    ['a refused login (our configuration)', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }, 'temporary'],
    ['a message nodemailer cannot build', { code: 'EMESSAGE', message: 'bad' }, 'permanent'],
  ];
  for (const [name, err, kind] of cases) {
    it(`${name} is ${kind}`, () => assert.equal(classifySendError(err).kind, kind));
  }
});
