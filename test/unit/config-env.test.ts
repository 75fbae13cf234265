import assert from 'node:assert/strict';
import { ConfigError, loadEnv } from '../../src/config/env';

const PRODUCTION = {
  NODE_ENV: 'production',
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  ADMIN_API_KEY: 'admin-key-0123456789',
  DATABASE_URL: 'postgres://qbo@db:5432/qbo',
  TEMPORAL_ADDRESS: 'temporal:7233',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

describe('configuration (src/config/env.ts)', () => {
  it("production with m3ter's API needs its credentials, not a webhook secret (m3ter:connect makes one)", () => {
    assert.deepEqual(problemsOf(PRODUCTION), [
      'M3TER_API_KEY: required when NODE_ENV=production',
      'M3TER_API_SECRET: required when NODE_ENV=production',
      'M3TER_ORG_ID: required when NODE_ENV=production',
    ]);
    const env = loadEnv({ ...PRODUCTION, M3TER_API_KEY: 'k', M3TER_API_SECRET: 's', M3TER_ORG_ID: 'o' });
    assert.equal(env.M3TER_WEBHOOK_SECRET, undefined);
    assert.equal(env.M3TER_WEBHOOK_VERIFY, 'enforce');
    assert.equal(env.WEBHOOK_RATE_LIMIT_PER_MINUTE, 6000);
  });

  it('production from webhook bodies needs the webhook secret, and no m3ter credentials', () => {
    assert.deepEqual(problemsOf({ ...PRODUCTION, M3TER_BILL_SOURCE: 'webhook' }), [
      'M3TER_WEBHOOK_SECRET: required when NODE_ENV=production',
    ]);
    assert.deepEqual(
      problemsOf({
        ...PRODUCTION,
        M3TER_BILL_SOURCE: 'webhook',
        M3TER_WEBHOOK_SECRET: 'a-secret-of-16-chars',
      }),
      [],
    );
  });

  it('names a bad value without echoing secrets', () => {
    assert.deepEqual(
      problemsOf({ M3TER_WEBHOOK_VERIFY: 'sometimes', WEBHOOK_RATE_LIMIT_PER_MINUTE: '0' }).length,
      2,
    );
    const [verify, limit] = problemsOf({
      M3TER_WEBHOOK_VERIFY: 'sometimes',
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '0',
    });
    assert.match(verify!, /^M3TER_WEBHOOK_VERIFY: .*enforce.*log-only.*off/);
    assert.match(limit!, /^WEBHOOK_RATE_LIMIT_PER_MINUTE: /);
    const [secret] = problemsOf({ M3TER_WEBHOOK_SECRET: 'short' });
    assert.equal(secret, 'M3TER_WEBHOOK_SECRET: must be at least 16 characters');
  });
});
