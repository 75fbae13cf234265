import assert from 'node:assert/strict';
import { captureLogs } from '../connection/helpers';
import { sampleBill } from '../support/bills';
import { startSyncHarness, WEBHOOK_API_KEY, WEBHOOK_SECRET, type SyncHarness } from '../support/sync-harness';

/** A bill event as an unverifiable sender would post it: the right shape, no or a wrong signature. */
async function postUnsigned(h: SyncHarness, event: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.api.baseUrl}/webhooks/m3ter`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(event),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('webhook signature modes (M3TER_WEBHOOK_VERIFY) and the per-source rate limit', function () {
  this.timeout(120_000);

  describe('log-only', () => {
    let h: SyncHarness;
    let logs: string[];
    before(async () => {
      const captured = captureLogs('warn');
      logs = captured.lines;
      h = await startSyncHarness({ webhookVerify: 'log-only', logger: captured.logger });
    });
    after(async () => h?.stop());

    it('accepts a delivery that does not verify, and logs the header names that came and why — never a secret', async () => {
      const { id: integrationId } = await h.createIntegration();
      const bill = sampleBill();
      const res = await postUnsigned(h, h.billEvent(bill), {
        'x-m3ter-apikey': WEBHOOK_API_KEY,
        'x-m3ter-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-m3ter-signature': 'f'.repeat(64),
      });
      assert.equal(res.status, 202);
      assert.deepEqual(res.body.workflows, [`bill-sync/${integrationId}/${bill.id}`]);
      // The bill itself was read from m3ter: an unverified delivery can at worst make us re-read a real bill.
      assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');

      const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason);
      assert.ok(line, logs.join('\n'));
      assert.equal(line.reason, 'signature does not match');
      assert.ok((line.headers as string[]).includes('x-m3ter-signature'));
      assert.equal(line.path, '/webhooks/m3ter');
      const all = logs.join('\n');
      assert.ok(!all.includes(WEBHOOK_SECRET), 'the secret is never logged');
      assert.ok(!all.includes('f'.repeat(64)), 'header values are not logged');
    });
  });

  describe('off', () => {
    let h: SyncHarness;
    before(async () => {
      h = await startSyncHarness({ webhookVerify: 'off' });
    });
    after(async () => h?.stop());

    it('accepts deliveries without any signature headers', async () => {
      const { id: integrationId } = await h.createIntegration();
      const bill = sampleBill();
      const res = await postUnsigned(h, h.billEvent(bill));
      assert.equal(res.status, 202);
      assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
    });
  });

  describe('enforce (the default) with a rate limit of 5 a minute', () => {
    let h: SyncHarness;
    before(async () => {
      h = await startSyncHarness({ webhookRateLimitPerMinute: 5 });
    });
    after(async () => h?.stop());

    it('refuses an unsigned delivery, and past the limit answers 429 without reading or starting anything', async () => {
      const { id: integrationId } = await h.createIntegration();
      const unsigned = await postUnsigned(h, h.billEvent(sampleBill()));
      assert.equal(unsigned.status, 401);
      assert.equal((unsigned.body.error as { code: string }).code, 'UNAUTHORIZED');

      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await h.sendWebhook(h.billEvent(sampleBill()))).status);
      assert.deepEqual(statuses, [202, 202, 202, 202]);
      const bill = sampleBill();
      const limited = await h.sendWebhook(h.billEvent(bill));
      assert.equal(limited.status, 429);
      assert.equal((limited.body.error as { code: string }).code, 'RATE_LIMITED');
      assert.deepEqual(await h.runs({ integrationId, billId: bill.id }), []);
      await assert.rejects(h.temporal.workflow.getHandle(`bill-sync/${integrationId}/${bill.id}`).describe());
    });
  });
});
