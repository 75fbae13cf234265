import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  getRunApi,
  invoicesOf,
  invoicesOfBill,
  mapAccount,
  newAccount,
  scopedIntegration,
  seededCustomer,
} from '../failures/helpers';

const repoRoot = path.resolve(__dirname, '..', '..');

/** `npm run replay -- …` as a real process against the test API; its exit code, stdout and stderr. */
function replayCli(
  h: SyncHarness,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'replay', '--', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, API_URL: h.api.baseUrl, ADMIN_API_KEY: h.api.apiKey, ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('replay CLI (npm run replay) against the API', function () {
  this.timeout(90_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  it('replays one run (--run) and the failed runs of an integration (--integration --status), each into one invoice', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id], {
      useExternalMappingAccountCode: true,
    });
    const bills = [sampleBill({ accountId: account.id }), sampleBill({ accountId: account.id })];
    const failed: string[] = [];
    for (const bill of bills) {
      await h.sendWebhook(h.billEvent(bill));
      const result = await h.waitForSync(integrationId, bill.id);
      assert.equal(result.status, 'ERROR');
      failed.push(result.runId);
    }
    await mapAccount(h, account.id, seededCustomer(h, realmId).Id);

    const one = await replayCli(h, ['--run', failed[0]!]);
    assert.equal(one.code, 0, one.stderr);
    const answered = JSON.parse(one.stdout) as { runId: string };
    assert.deepEqual(answered, {
      runId: answered.runId,
      replayedFromRunId: failed[0],
      billId: bills[0]!.id,
      workflowId: `bill-sync/${integrationId}/${bills[0]!.id}`,
    });
    const first = await h.waitForSync(integrationId, bills[0]!.id);
    assert.equal(first.status, 'COMPLETE');
    assert.equal(first.runId, answered.runId);
    assert.equal((await getRunApi(h, first.runId)).replayedFromRunId, failed[0]);

    const many = await replayCli(h, ['--integration', integrationId, '--status', 'ERROR,DISABLED']);
    assert.equal(many.code, 0, many.stderr);
    const body = JSON.parse(many.stdout) as {
      replayed: number;
      runs: Array<{ runId: string; replayedFromRunId: string; billId: string }>;
    };
    assert.equal(body.replayed, 1, 'the first bill completed already');
    assert.deepEqual(
      body.runs.map((r) => [r.billId, r.replayedFromRunId]),
      [[bills[1]!.id, failed[1]]],
    );
    const second = await h.waitForSync(integrationId, bills[1]!.id);
    assert.equal(second.status, 'COMPLETE');
    assert.equal(second.runId, body.runs[0]!.runId);
    assert.equal((await getRunApi(h, second.runId)).replayedFromRunId, failed[1]);

    assert.equal(invoicesOf(h, realmId).length, 2);
    for (const bill of bills) assert.equal(invoicesOfBill(h, realmId, bill.id).length, 1);
  });

  it('exits 1 with the API error for an unknown run, and 2 with the usage for bad arguments', async () => {
    const [unknown, usage] = await Promise.all([
      replayCli(h, ['--run', randomUUID()]),
      replayCli(h, ['--run', randomUUID(), '--integration', randomUUID()]),
    ]);
    assert.equal(unknown.code, 1);
    assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^usage: npm run replay/m);
  });
});
