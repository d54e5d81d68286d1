// The outbound-mail settings: documented defaults, and a bad value names its variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('outbound mail configuration', () => {
  it('applies the documented defaults', () => {
    const { mail } = loadConfig({ MAIL_DOMAIN: 'cal.example.org' });
    assert.deepEqual(mail, {
      from: 'Tidings <notifications@cal.example.org>',
      outboxDir: 'var/outbox',
      dkim: null,
      unsubscribeSecret: null,
      recipientBudgetPerHour: 60,
      collectionBudgetPerHour: 300,
      bounceSuspendThreshold: 3,
      maxAttempts: 8,
      retryBaseSeconds: 60,
      webhookTimeoutMs: 10000,
    });
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ DKIM_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }, 'DKIM_PRIVATE_KEY_FILE'],
    [{ UNSUBSCRIBE_SECRET: 'short' }, 'UNSUBSCRIBE_SECRET'],
    [{ ALERT_RECIPIENT_BUDGET_PER_HOUR: '0' }, 'ALERT_RECIPIENT_BUDGET_PER_HOUR'],
    [{ ALERT_COLLECTION_BUDGET_PER_HOUR: 'lots' }, 'ALERT_COLLECTION_BUDGET_PER_HOUR'],
    [{ BOUNCE_SUSPEND_THRESHOLD: '0' }, 'BOUNCE_SUSPEND_THRESHOLD'],
    [{ OUTBOX_MAX_ATTEMPTS: '1000' }, 'OUTBOX_MAX_ATTEMPTS'],
    [{ WEBHOOK_TIMEOUT_MS: '5' }, 'WEBHOOK_TIMEOUT_MS'],
  ];
  for (const [env, variable] of bad) {
    it(`names ${variable} when it is wrong`, () => {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.variable === variable && !err.message.includes('\n'));
    });
  }

  it('accepts a From with a display name, and a configured unsubscribe secret', () => {
    const { mail } = loadConfig({ MAIL_FROM: 'Club Calendar <calendar@club.example>', UNSUBSCRIBE_SECRET: 'k'.repeat(40) });
    assert.equal(mail.from, 'Club Calendar <calendar@club.example>');
    assert.equal(mail.unsubscribeSecret, 'k'.repeat(40));
  });
});
