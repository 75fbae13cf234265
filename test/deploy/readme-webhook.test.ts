import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { invoicesOfBill } from '../failures/helpers';
import { startSyncHarness, WEBHOOK_SECRET, type SyncHarness } from '../support/sync-harness';

/** The README's "Signing by hand" example, run as printed (bash, openssl, curl) against the real API. */
describe('README: the hand-signed webhook example', function () {
  this.timeout(60_000);
  let h: SyncHarness;
  before(async () => {
    h = await startSyncHarness({ webhookApiKey: 'my-key', billSource: 'webhook' });
  });
  after(async () => h?.stop());

  it('is accepted and syncs its bill into one invoice', async () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /Signing by hand[^\n]*\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the README has the example');
    const { id: integrationId, realmId } = await h.createIntegration();
    // Asynchronously: the API answering the example's curl runs in this process.
    const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], {
      env: { ...process.env, API: h.api.baseUrl, SECRET: WEBHOOK_SECRET },
      timeout: 20_000,
    });
    const answer = JSON.parse(run.stdout) as { result: string; workflows: string[] };
    assert.equal(answer.result, 'processed', run.stdout);
    assert.deepEqual(answer.workflows, [`bill-sync/${integrationId}/bill-readme-1`]);
    assert.equal((await h.waitForSync(integrationId, 'bill-readme-1')).status, 'COMPLETE');
    const [invoice, ...more] = invoicesOfBill(h, realmId, 'bill-readme-1');
    assert.equal(more.length, 0);
    assert.equal(invoice?.TotalAmt, 262.5);
  });
});
