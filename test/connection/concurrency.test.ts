import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findCredential } from '../../src/db/repositories/credentials';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { workflowBundle } from '../support/workflow-bundle';
import { captureLogs } from './helpers';
import { spawnWorker, type SpawnedWorker } from '../support/spawned-worker';

const BILLS = 50;
const ACCESS_TOKEN_TTL_SECONDS = 3;
const REFRESH_SKEW_MS = 500;

/**
 * Two worker processes (this one and a spawned one), 50 bills at once, access tokens living 3 seconds on the
 * emulator's clock and a new refresh token on every refresh with no grace for the old one: any two refreshes
 * of the same credential racing each other would show as invalid_grant. Every run completes, nobody is
 * refused, each bill has exactly one invoice.
 */
describe('token refresh under concurrency: two worker processes, 50 bills, 3-second access tokens', function () {
  this.timeout(300_000);
  let h: SyncHarness;
  let other: SpawnedWorker | undefined;
  let tmp: string;
  let parentLogs: string[] = [];

  before(async () => {
    const captured = captureLogs('info');
    parentLogs = captured.lines;
    h = await startSyncHarness({
      encryptPayloads: true,
      logger: captured.logger,
      connector: { refreshSkewMs: REFRESH_SKEW_MS },
      // One request per write: many calls over several token lifetimes (batching would finish in one).
      batchWrites: false,
    });
    await h.putAccount(ACME_ACCOUNT);
    tmp = mkdtempSync(path.join(tmpdir(), 'qbo-worker-'));
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await workflowBundle()).code);
    other = await spawnWorker(h, bundlePath, { refreshSkewMs: REFRESH_SKEW_MS, batchWrites: false });
  });
  after(async () => {
    await other?.stop();
    await h?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('completes every run with zero invalid_grant and exactly one invoice per bill', async () => {
    h.emulator.control.setOAuthSettings({
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      rotation: 'always',
      previousRefreshTokenGraceSeconds: 0,
    });
    const { id: integrationId, realmId, credentialId } = await h.createIntegration();
    assert.ok(credentialId);
    h.emulator.control.resetCounters();
    const started = Date.now();

    const bills = Array.from({ length: BILLS }, () => sampleBill());
    const sent = await Promise.all(bills.map((bill) => h.sendWebhook(h.billEvent(bill))));
    assert.ok(sent.every((r) => r.status === 202));
    const results = await Promise.all(bills.map((bill) => h.waitForSync(integrationId, bill.id)));
    const elapsedMs = Date.now() - started;

    const notComplete = (await h.runs({ integrationId })).filter((r) => r.status !== 'COMPLETE');
    assert.deepEqual(
      notComplete.map((r) => `${r.billId}: ${r.status} ${r.message ?? ''}`),
      [],
      'every run COMPLETE',
    );
    assert.ok(results.every((r) => r.status === 'COMPLETE'));
    const counters = h.emulator.control.counters();
    const refreshes = counters.byOperation['POST oauth refresh_token'] ?? 0;
    assert.equal(counters.byStatus['400'] ?? 0, 0, 'no invalid_grant (nor any other 400)');
    assert.equal((await findCredential(h.database.db, credentialId))?.status, 'AUTHORIZED');
    // The tokens expired many times over, and were refreshed only then: about once per lifetime, not per call.
    const lifetimes = elapsedMs / (ACCESS_TOKEN_TTL_SECONDS * 1000 - REFRESH_SKEW_MS);
    assert.ok(
      refreshes >= 2,
      `the access token was refreshed during the run (${refreshes} in ${elapsedMs} ms)`,
    );
    assert.ok(
      refreshes <= Math.ceil(lifetimes) + 3,
      `${refreshes} refreshes for ${Math.ceil(lifetimes)} token lifetimes`,
    );
    // Every refresh was one of ours, logged by the process that made it.
    const refreshedBy = (logs: string[]) =>
      logs.filter((l) => l.includes('QuickBooks access token refreshed')).length;
    assert.equal(refreshedBy(parentLogs) + refreshedBy(other?.logs ?? []), refreshes);

    // Exactly one invoice per bill.
    const invoices = h.emulator.control.documents(realmId).Invoice as Array<{ PrivateNote?: string }>;
    assert.equal(invoices.length, BILLS);
    for (const bill of bills)
      assert.equal(invoices.filter((i) => i.PrivateNote?.includes(`[m3ter-bill:${bill.id}]`)).length, 1);
    const runs = await h.runs({ integrationId });
    assert.equal(runs.filter((r) => r.status === 'COMPLETE').length, BILLS);

    // Both processes did the work: activities were started by this process and by the other one.
    const identities = new Map<string, number>();
    for (const bill of bills) {
      const history = await h.temporal.workflow
        .getHandle(`bill-sync/${integrationId}/${bill.id}`)
        .fetchHistory();
      for (const e of history.events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.set(identity, (identities.get(identity) ?? 0) + 1);
      }
    }
    const byPid = (pid: number) =>
      [...identities].filter(([id]) => id.startsWith(`${pid}@`)).reduce((n, [, c]) => n + c, 0);
    assert.ok(byPid(process.pid) > 0, `this process ran activities (${JSON.stringify([...identities])})`);
    assert.ok(
      other && byPid(other.pid) > 0,
      `the other process ran activities (${JSON.stringify([...identities])})`,
    );
    console.log(
      `      ${BILLS} bills in ${elapsedMs} ms; ${refreshes} refreshes (this process ${refreshedBy(parentLogs)}, other ${refreshedBy(other?.logs ?? [])}); ` +
        `activities: this process ${byPid(process.pid)}, other ${byPid(other?.pid ?? 0)}; 401s ${counters.byStatus['401'] ?? 0}`,
    );
  });
});
