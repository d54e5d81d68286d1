import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, maskPassword } from '../src/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.databaseUrl, 'mysql://root@127.0.0.1:3306/tidings');
    assert.deepEqual([c.httpPort, c.smtpPort, c.bindAddress], [8080, 2525, '127.0.0.1']);
    assert.equal(c.mailDomain, 'tidings.localhost');
    assert.equal(c.publicUrl, 'http://localhost:8080');
    assert.equal(c.spamdUrl, null);
    assert.equal(c.outboundSmtpUrl, null);
    assert.equal(c.maxMessageBytes, 26214400);
    assert.equal(c.alertCoalesceSeconds, 120);
    assert.equal(c.smtp.maxRecipients, 100, 'RFC 5321 4.5.3.1.8: at least 100 recipients');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'mysql://app:s3cret@db.internal:3307/cal',
      HTTP_PORT: '9000',
      SMTP_PORT: '25',
      BIND_ADDRESS: '0.0.0.0',
      MAIL_DOMAIN: 'In.Example.COM',
      PUBLIC_URL: 'https://cal.example.com/',
      SPAMD_URL: 'tcp://127.0.0.1:783',
      OUTBOUND_SMTP_URL: 'smtp://relay:587',
      MAX_MESSAGE_BYTES: '1048576',
      ALERT_COALESCE_SECONDS: '0',
    });
    assert.equal(c.mailDomain, 'in.example.com');
    assert.equal(c.publicUrl, 'https://cal.example.com');
    assert.deepEqual([c.httpPort, c.smtpPort, c.maxMessageBytes, c.alertCoalesceSeconds], [9000, 25, 1048576, 0]);
    assert.equal(c.spamdUrl, 'tcp://127.0.0.1:783');
  });

  it('reads SMTP_TRUSTED_ARC_SEALERS as lower-case domains, empty by default', () => {
    assert.deepEqual(loadConfig({}).smtp.trustedArcSealers, []);
    assert.deepEqual(loadConfig({ SMTP_TRUSTED_ARC_SEALERS: ' Google.com,lists.Example.ORG ,, ' }).smtp.trustedArcSealers, ['google.com', 'lists.example.org']);
  });

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ HTTP_PORT: 'eighty' }, 'HTTP_PORT', /whole number/],
    [{ SMTP_PORT: '70000' }, 'SMTP_PORT', /between 0 and 65535/],
    [{ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL', /mysql:/],
    [{ DATABASE_URL: 'mysql://root@127.0.0.1:3306/' }, 'DATABASE_URL', /name a database/],
    [{ DATABASE_URL: 'not a url at all' }, 'DATABASE_URL', /not a valid URL/],
    [{ MAIL_DOMAIN: 'bad domain!' }, 'MAIL_DOMAIN', /not a domain/],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL', /http/],
    [{ SPAMD_URL: 'http://spamd' }, 'SPAMD_URL', /tcp:/],
    [{ OUTBOUND_SMTP_URL: 'relay:25' }, 'OUTBOUND_SMTP_URL', /smtp/],
    [{ MAX_MESSAGE_BYTES: '-1' }, 'MAX_MESSAGE_BYTES', /whole number/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ BIND_ADDRESS: 'my host' }, 'BIND_ADDRESS', /IP address/],
    [{ SMTP_TRUSTED_ARC_SEALERS: 'google.com, lists example.org' }, 'SMTP_TRUSTED_ARC_SEALERS', /^SMTP_TRUSTED_ARC_SEALERS: "lists example\.org" is not a domain name$/],
    [{ SMTP_TRUSTED_ARC_SEALERS: '192.0.2.0/24' }, 'SMTP_TRUSTED_ARC_SEALERS', /"192\.0\.2\.0\/24" is not a domain name/],
    [{ SMTP_TRUSTED_ARC_SEALERS: 'localhost' }, 'SMTP_TRUSTED_ARC_SEALERS', /"localhost" is not a domain name/],
  ];
  for (const [env, variable, problem] of bad) {
    it(`names ${variable} when it is wrong (${JSON.stringify(env)})`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.startsWith(`${variable}: `) && problem.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('never repeats a password in its messages', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://app:hunter2@db/x' }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('hunter2') && err.message.includes('***'),
    );
    assert.equal(maskPassword('mysql://app:hunter2@db:3306/x'), 'mysql://app:***@db:3306/x');
    assert.equal(maskPassword('mysql://root@db/x'), 'mysql://root@db/x');
  });
});
