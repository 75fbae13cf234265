import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

const repoRoot = path.resolve(__dirname, '..', '..');

/** `npm run backfill -- …` as a real process against the test API. */
function backfillCli(
  h: SyncHarness,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'backfill', '--', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, API_URL: h.api.baseUrl, ADMIN_API_KEY: h.api.apiKey },
        timeout: 120_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run backfill', function () {
  this.timeout(180_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
    const org = h.m3ter.defaultOrgId;
    h.m3ter.control.createAccount(org, { id: 'cli-acct', code: 'CLI', name: 'CLI Ltd', currency: 'USD' });
    for (let n = 0; n < 12; n++)
      h.m3ter.control.createBill(org, {
        accountId: 'cli-acct',
        billDate: n < 6 ? '2026-09-01' : '2026-10-01',
        currency: 'USD',
        status: 'APPROVED',
        lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 10 + n }],
      });
  });
  after(async () => h?.stop());

  it('starts a backfill, shows its progress and ends with the counts (exit 0)', async () => {
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['cli-acct'] });
    const out = await backfillCli(h, [
      '--integration',
      integrationId,
      '--from',
      '2026-09-01',
      '--to',
      '2026-11-01',
      '--interval-ms',
      '200',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /backfill [0-9a-f-]{36} started \(Temporal workflow backfill\/[0-9a-f-]{36}\)/);
    assert.match(
      out.stderr,
      /12\/12 \| started 12 \| complete 12 \| skipped 0 \| failed 0/,
      'the progress bar, on stderr',
    );
    assert.match(out.stdout, /COMPLETE: found 12, started 12, complete 12, skipped 0, failed 0/);
    assert.equal((h.emulator.control.documents(realmId).Invoice ?? []).length, 12);

    // Watching a finished one prints its counts again; nothing new is sent.
    const id = /backfill ([0-9a-f-]{36}) started/.exec(out.stdout)![1]!;
    const watched = await backfillCli(h, ['--watch', id]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /COMPLETE: found 12, started 12, complete 12/);
  });

  it('names the bad field (exit 1) and explains its usage (exit 2)', async () => {
    const { id: integrationId } = await h.createIntegration();
    const bad = await backfillCli(h, [
      '--integration',
      integrationId,
      '--from',
      '2026-13-01',
      '--to',
      '2026-11-01',
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /400/);
    assert.match(bad.stderr, /"field":"from"/);
    const reversed = await backfillCli(h, [
      '--integration',
      integrationId,
      '--from',
      '2026-11-01',
      '--to',
      '2026-10-01',
    ]);
    assert.equal(reversed.code, 1);
    assert.match(reversed.stderr, /"field":"to"/);
    const usage = await backfillCli(h, ['--from', '2026-09-01']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run backfill/);
  });
});
