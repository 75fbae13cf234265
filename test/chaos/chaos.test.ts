import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chaosText, runChaos, type ChaosOptions } from '../../bench/support/chaos-run';

/**
 * The reduced chaos run (`npm run chaos` is the full one): 100 bills over 5 realms on two worker processes
 * (`src/main.ts`, ROLE=worker), the emulator injecting 10 % 5xx, 5 % 429, 2 % commit-then-drop and 1 %
 * five-second latency, access tokens living 60 s, and one worker SIGKILLed early (5 % of the bills done)
 * and started again. An activity the killed worker held is retried once its 30-second heartbeat timeout
 * passes; a workflow task it held, after the 10-second task timeout.
 */
describe('chaos (reduced): faults, expiring tokens and a SIGKILLed worker', function () {
  this.timeout(8 * 60_000);

  it('100 bills: one document each, totals to the cent, every final run COMPLETE, no invalid_grant', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'qbo-chaos-'));
    const options: ChaosOptions = {
      workDir,
      bills: 100,
      realms: 5,
      accountsPerRealm: 3,
      workers: 2,
      kills: [{ worker: 0, atShare: 0.05 }],
      faults: {
        errorShare: 0.1,
        throttleShare: 0.05,
        commitThenDropShare: 0.02,
        latencyMs: 5000,
        latencyShare: 0.01,
      },
      accessTokenTtlSeconds: 60,
      refreshSkewSeconds: 15,
      senders: 10,
      timeoutSeconds: 360,
      seed: 11,
    };
    const report = await runChaos(options);
    const text = chaosText(report, options);
    if (!report.ok) assert.fail(`${text}\n(process logs kept in ${workDir})`);
    rmSync(workDir, { recursive: true, force: true });
    assert.equal(report.finalStatuses.COMPLETE, 100);
    assert.equal(report.kills.length, 1);
  });
});
