import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from '../../src/api/webhook-signature';

describe('webhook signature (signed requests)', () => {
  const secret = 'whsec-0123456789abcdef';
  const body = Buffer.from('{"id":"evt-1"}');
  const now = 1_790_000_000_000;
  const check = (
    over: Partial<Parameters<typeof verifyWebhookSignature>[0]['headers']> = {},
    nowMs = now,
  ) => {
    const timestamp = String(Math.floor(now / 1000));
    const headers = {
      apiKey: 'key-1',
      timestamp,
      signature: signWebhook(secret, { path: '/webhooks/m3ter', apiKey: 'key-1', timestamp, body }),
      ...over,
    };
    return verifyWebhookSignature({
      secret,
      expectedApiKey: 'key-1',
      path: '/webhooks/m3ter',
      headers,
      body,
      nowMs,
      toleranceSeconds: 300,
    });
  };

  it('is HMAC-SHA256 over path|apiKey|timestamp|body, hex', () => {
    const expected = createHmac('sha256', secret)
      .update('/webhooks/m3ter|key-1|1790000000|{"id":"evt-1"}')
      .digest('hex');
    assert.equal(
      signWebhook(secret, { path: '/webhooks/m3ter', apiKey: 'key-1', timestamp: 1790000000, body }),
      expected,
    );
  });

  it('accepts a good signature and rejects every kind of bad one', () => {
    assert.deepEqual(check(), { ok: true });
    assert.deepEqual(check({ signature: 'ab'.repeat(32) }), {
      ok: false,
      reason: 'signature does not match',
    });
    assert.deepEqual(check({ signature: 'not-hex' }), { ok: false, reason: 'signature does not match' });
    assert.deepEqual(check({ apiKey: 'other' }), { ok: false, reason: 'unknown API key' });
    assert.deepEqual(check({ signature: undefined }), { ok: false, reason: 'missing X-m3ter-signature' });
    assert.deepEqual(check({ timestamp: 'yesterday' }), {
      ok: false,
      reason: 'X-m3ter-timestamp is not a Unix time',
    });
  });

  it('allows 5 minutes of clock difference, not more', () => {
    assert.deepEqual(check({}, now + 299_000), { ok: true });
    assert.deepEqual(check({}, now - 299_000), { ok: true });
    assert.equal(check({}, now + 301_000).ok, false);
    assert.equal(check({}, now - 301_000).ok, false);
  });
});
