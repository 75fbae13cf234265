import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedLinkedBills } from '../support/reconciliation-seed';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

const repoRoot = path.resolve(__dirname, '..', '..');

/** `npm run reconcile -- …` as a real process against the test API. */
function reconcileCli(
  h: SyncHarness,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'reconcile', '--', ...args],
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

describe('npm run reconcile', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  const dir = mkdtempSync(path.join(tmpdir(), 'reconcile-cli-'));

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h?.stop();
  });

  it('starts a run, shows its progress, prints the summary and writes the CSV; exit 1 when something drifted', async () => {
    const { integrationId, realmId, bills } = await seedLinkedBills(h, {
      prefix: 'cli-rc',
      count: 150,
      accounts: 3,
    });
    const csv = path.join(dir, 'out.csv');
    const clean = await reconcileCli(h, [
      '--integration',
      integrationId,
      '--from',
      '2026-10-01',
      '--to',
      '2026-11-01',
      '--interval-ms',
      '200',
      '--csv',
      csv,
    ]);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.match(
      clean.stdout,
      /reconciliation [0-9a-f-]{36} started \(Temporal workflow reconciliation\/[0-9a-f-]{36}\)/,
    );
    assert.match(clean.stderr, /150\/150 bills compared/, 'the progress bar, on stderr');
    assert.match(clean.stdout, /COMPLETE: 150 bills, \d+ QuickBooks reads, 0 adopted/);
    assert.match(clean.stdout, /MATCHED\s+150/);
    assert.equal(readFileSync(csv, 'utf8').trim().split('\r\n').length, 151);

    const invoice = (
      h.emulator.control.documents(realmId).Invoice as Array<{ Id: string; PrivateNote?: string }>
    ).find((d) => d.PrivateNote?.includes(`[m3ter-bill:${bills[0]!.id}]`))!;
    h.emulator.control.voidDocument(realmId, 'Invoice', invoice.Id);
    const drifted = await reconcileCli(h, [
      '--integration',
      integrationId,
      '--from',
      '2026-10-01',
      '--to',
      '2026-11-01',
    ]);
    assert.equal(drifted.code, 1, drifted.stderr);
    assert.match(drifted.stdout, /VOIDED\s+1/);
    assert.match(drifted.stdout, /drift USD: 99\.00/);

    const usage = await reconcileCli(h, ['--integration', integrationId]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run reconcile/);
  });
});
