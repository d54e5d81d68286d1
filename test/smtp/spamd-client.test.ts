// The SPAMC/1.5 client against a real spamd, and against a fake one for the
// replies a real spamd does not give on demand.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { SpamdClient, SpamdUnavailable } from '../../src/smtp/spamd.ts';
import { freePort, GTUBE, startSpamd } from '../helpers/spamd.ts';

const spamd = await startSpamd();
after(() => spamd.stop());

const message = (body: string) =>
  Buffer.from(
    [
      'Received: from client.example.com (client.example.com [198.51.100.7]) by mx.tidings.test with ESMTP; Wed, 25 Nov 2026 10:00:00 +0000',
      'From: Ana Pereira <ana@example.com>',
      'To: calendar@tidings.test',
      'Subject: Dinner on Friday',
      'Date: Wed, 25 Nov 2026 10:00:00 +0000',
      'Message-ID: <dinner-1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );

/** A one-shot fake spamd that answers every request with `reply`. */
async function fakeSpamd(reply: string | null): Promise<string> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  // Half-open allowed, so "no answer" really is none (and not an empty one).
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('end', () => {
      if (reply !== null) socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `tcp://127.0.0.1:${port}`;
}

describe('SpamdClient against spamd', () => {
  const client = new SpamdClient(spamd.url, 30_000);

  it('PINGs (SPAMD/1.5 0 PONG)', async () => {
    await client.ping();
  });

  it('scores GTUBE as spam at 1000 with the GTUBE rule among the symbols', async () => {
    const report = await client.check(message(`This is the GTUBE, the\n${GTUBE}\n`));
    assert.equal(report.isSpam, true);
    assert.ok(report.score >= 1000, `score ${report.score}`);
    assert.ok(report.symbols.includes('GTUBE'), report.symbols.join(','));
    assert.equal(report.threshold, 5);
  });

  it('scores a clean message under the threshold', async () => {
    const report = await client.check(message("Let's have dinner at Rosa's on Friday at 8pm. Ana"));
    assert.equal(report.isSpam, false);
    assert.ok(report.score < 5, `score ${report.score}`);
    assert.ok(report.symbols.every((s) => /^[A-Z0-9_]+$/.test(s)), report.symbols.join(','));
  });

  it('takes many requests at once (one connection each)', async () => {
    const reports = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => client.check(message(`Note number ${i}.`))));
    assert.equal(reports.length, 6);
    assert.ok(reports.every((r) => !r.isSpam));
  });
});

describe('SpamdClient replies', () => {
  it('reads negative (ham) scores and a SPAMD/1.1 status line', async () => {
    const url = await fakeSpamd('SPAMD/1.1 0 EX_OK\r\nContent-length: 21\r\nSpam: False ; -1.9 / 5.0\r\n\r\nALL_TRUSTED,BAYES_00\r\n');
    const report = await new SpamdClient(url, 5000).check(message('hello'));
    assert.deepEqual(report, { isSpam: false, score: -1.9, threshold: 5, symbols: ['ALL_TRUSTED', 'BAYES_00'] });
  });

  it('is unavailable when nothing listens', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    await assert.rejects(new SpamdClient(url, 2000).check(message('x')), SpamdUnavailable);
    await assert.rejects(new SpamdClient(url, 2000).ping(), SpamdUnavailable);
  });

  it('is unavailable when spamd says no (EX_PROTOCOL) or talks nonsense', async () => {
    await assert.rejects(new SpamdClient(await fakeSpamd('SPAMD/1.0 76 Bad header line: Content-length\r\n'), 2000).check(message('x')), /refused the request: 76/);
    await assert.rejects(new SpamdClient(await fakeSpamd('HTTP/1.1 400 Bad Request\r\n\r\n'), 2000).check(message('x')), SpamdUnavailable);
    await assert.rejects(new SpamdClient(await fakeSpamd('SPAMD/1.1 0 EX_OK\r\n\r\n'), 2000).check(message('x')), /no Spam header/);
  });

  it('is unavailable when spamd does not answer in time', async () => {
    await assert.rejects(new SpamdClient(await fakeSpamd(null), 300).check(message('x')), /no answer within 300 ms/);
  });
});
