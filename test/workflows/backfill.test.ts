import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import type { JsonObject } from '../../emulators/quickbooks/json';
import { spawnWorker, type SpawnedWorker } from '../support/spawned-worker';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { workflowBundle } from '../support/workflow-bundle';

type Doc = JsonObject & { Id: string; TotalAmt: number; PrivateNote?: string };

interface BackfillBody {
  id: string;
  status: 'RUNNING' | 'COMPLETE' | 'FAILED';
  progress: { found: number; started: number; complete: number; skipped: number; failed: number };
  error: string | null;
  workflowId: string;
}

const MONTHS = ['2026-08-01', '2026-09-01', '2026-10-01'] as const;

/**
 * Backfills on Temporal, PostgreSQL, the m3ter emulator (bills listed and read through its API) and the
 * QuickBooks emulator: every bill of the range once, the same again changing nothing, m3ter failing under
 * it, and a worker process SIGKILLed mid-way.
 */
describe('backfill: every bill m3ter has in a range, synced once', function () {
  this.timeout(300_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  /**
   * `count` approved bills in m3ter over `accounts` new accounts and the three months, round robin (no webhook
   * is sent: nothing is subscribed).
   */
  function seedBills(prefix: string, accounts: number, count: number): EmulatedBill[] {
    for (let a = 0; a < accounts; a++)
      h.m3ter.control.createAccount(org(), {
        id: `${prefix}-acct-${a}`,
        code: `${prefix.toUpperCase()}${a}`,
        name: `${prefix} customer ${a}`,
        currency: 'USD',
      });
    return Array.from({ length: count }, (_, n) =>
      h.m3ter.control.createBill(org(), {
        accountId: `${prefix}-acct-${n % accounts}`,
        billDate: MONTHS[Math.floor(n / accounts) % MONTHS.length]!,
        currency: 'USD',
        status: 'APPROVED',
        lineItems: [
          { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 },
          // Cents that add up only when summed as cents.
          { description: 'Usage', lineItemType: 'USAGE', quantity: n + 1, subtotal: (1001 + n * 37) / 100 },
        ],
      }),
    );
  }

  const total = (bill: EmulatedBill) =>
    Math.round(bill.lineItems!.reduce((sum, l) => sum + Number(l.subtotal) * 100, 0)) / 100;

  async function backfill(integrationId: string, body: Record<string, unknown>): Promise<BackfillBody> {
    const res = await h.api.request<BackfillBody>('POST', `/integrations/${integrationId}/backfill`, body);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'RUNNING');
    return res.body;
  }

  async function finished(id: string, timeoutMs = 240_000): Promise<BackfillBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await h.api.request<BackfillBody>('GET', `/backfills/${id}`);
      assert.equal(res.status, 200, res.text);
      if (res.body.status !== 'RUNNING') return res.body;
      if (Date.now() > deadline) throw new Error(await stuck(res.body));
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** What the workflow of a backfill that does not finish says (its status and the failures in its history). */
  async function stuck(backfill: BackfillBody): Promise<string> {
    const handle = h.temporal.workflow.getHandle(backfill.workflowId);
    const { status, raw } = await handle.describe();
    const pending = raw.pendingActivities?.map(
      (a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? 'no failure yet'}`,
    );
    const failures = (await handle.fetchHistory()).events?.flatMap((e) => {
      const failure =
        e.activityTaskFailedEventAttributes?.failure ?? e.workflowTaskFailedEventAttributes?.failure;
      return failure?.message ? [failure.message] : [];
    });
    return `backfill still running: ${JSON.stringify(backfill.progress)}; workflow ${status.name}; pending: ${pending?.join(' | ')}; failures: ${failures?.join(' | ')}`;
  }

  /** Each bill has exactly one invoice (by its marker) with its total to the cent. */
  function assertOneInvoiceEach(realmId: string, bills: readonly EmulatedBill[]): void {
    const invoices = h.emulator.control.documents(realmId).Invoice as Doc[];
    assert.equal(invoices.length, bills.length, 'one invoice per bill');
    for (const bill of bills) {
      const mine = invoices.filter((i) => i.PrivateNote?.includes(`[m3ter-bill:${bill.id}]`));
      assert.equal(mine.length, 1, `bill ${bill.id} has one invoice`);
      assert.equal(mine[0]!.TotalAmt, total(bill), `bill ${bill.id} total`);
    }
  }

  it('syncs every in-scope bill of three months once; run again, it creates and changes nothing', async () => {
    const bills = seedBills('bf', 4, 60);
    seedBills('other', 1, 3); // another account's bills: not this integration's
    const { id: integrationId, realmId } = await h.createIntegration({
      accountIds: bills.map((b) => b.accountId).filter((v, i, a) => a.indexOf(v) === i),
    });

    const first = await backfill(integrationId, { from: '2026-08-01', to: '2026-11-01', concurrency: 25 });
    assert.equal(first.workflowId, `backfill/${first.id}`);
    const done = await finished(first.id);
    assert.equal(done.status, 'COMPLETE', done.error ?? '');
    assert.deepEqual(done.progress, { found: 60, started: 60, complete: 60, skipped: 0, failed: 0 });
    assertOneInvoiceEach(realmId, bills);
    const runs = await h.runs({ integrationId });
    assert.equal(runs.length, 60);
    assert.ok(runs.every((r) => r.status === 'COMPLETE' && r.trigger === 'backfill'));

    h.emulator.control.resetCounters();
    const again = await finished(
      (await backfill(integrationId, { from: '2026-08-01', to: '2026-11-01' })).id,
    );
    assert.equal(again.status, 'COMPLETE');
    assert.deepEqual(again.progress, { found: 60, started: 60, complete: 0, skipped: 60, failed: 0 });
    assertOneInvoiceEach(realmId, bills);
    assert.equal(h.emulator.control.counters().writes, 0, 'no QuickBooks write the second time');

    const list = await h.api.request<{ data: BackfillBody[] }>(
      'GET',
      `/integrations/${integrationId}/backfills`,
    );
    assert.deepEqual(
      list.body.data.map((b) => b.id),
      [again.id, first.id],
    );
  });

  it('counts bills of accounts the integration does not run for as skipped, and syncs none of them', async () => {
    const bills = seedBills('scope', 2, 6);
    const { id: integrationId, realmId } = await h.createIntegration({
      restrictedAccountIds: ['scope-acct-1'],
    });
    const done = await finished(
      (
        await backfill(integrationId, {
          from: '2026-08-01',
          to: '2026-11-01',
          accountIds: ['scope-acct-0', 'scope-acct-1'],
        })
      ).id,
    );
    assert.deepEqual(done.progress, { found: 6, started: 3, complete: 3, skipped: 3, failed: 0 });
    assertOneInvoiceEach(
      realmId,
      bills.filter((b) => b.accountId === 'scope-acct-0'),
    );
  });

  it('rides out m3ter answering 429 and 5xx and its access tokens expiring: no sync fails', async () => {
    const bills = seedBills('flaky', 3, 36);
    const { id: integrationId, realmId } = await h.createIntegration({
      accountIds: ['flaky-acct-0', 'flaky-acct-1', 'flaky-acct-2'],
    });
    h.m3ter.control.setAuthSettings({ tokenTtlSeconds: 2 });
    h.m3ter.control.setFaults({ throttleShare: 0.15, throttleRetryAfterSeconds: 1, errorShare: 0.1 });
    try {
      const started = await backfill(integrationId, {
        from: '2026-08-01',
        to: '2026-11-01',
        concurrency: 12,
      });
      const expiring = setInterval(() => h.m3ter.control.expireTokens(org()), 1500);
      const done = await finished(started.id).finally(() => clearInterval(expiring));
      assert.equal(done.status, 'COMPLETE', done.error ?? '');
      assert.deepEqual(done.progress, { found: 36, started: 36, complete: 36, skipped: 0, failed: 0 });
    } finally {
      h.m3ter.control.clearFaults();
      h.m3ter.control.setAuthSettings({ tokenTtlSeconds: 18_000 });
    }
    const m3terCounters = h.m3ter.control.counters();
    assert.ok(m3terCounters.faultsInjected > 5, `faults were injected (${m3terCounters.faultsInjected})`);
    assert.ok(m3terCounters.unauthorized > 0, 'expired tokens were refused and renewed');
    assertOneInvoiceEach(realmId, bills);
    const runs = await h.runs({ integrationId });
    assert.deepEqual([...new Set(runs.map((r) => r.status))], ['COMPLETE']);
  });

  describe('with a worker process SIGKILLed mid-way', () => {
    let tmp: string;
    let bundlePath: string;
    const spawned: SpawnedWorker[] = [];

    before(async () => {
      tmp = mkdtempSync(path.join(tmpdir(), 'qbo-backfill-'));
      bundlePath = path.join(tmp, 'workflow-bundle.js');
      writeFileSync(bundlePath, (await workflowBundle()).code);
    });
    after(async () => {
      for (const w of spawned) await w.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('200 bills over three months: exactly one invoice each, every total to the cent', async () => {
      const bills = seedBills('kill', 10, 200);
      const accounts = [...new Set(bills.map((b) => b.accountId))];
      const { id: integrationId, realmId } = await h.createIntegration({ accountIds: accounts });
      // The harness's own worker stops; two worker processes take over, one of them is killed.
      await h.stopWorkers();
      spawned.push(await spawnWorker(h, bundlePath), await spawnWorker(h, bundlePath));

      const started = await backfill(integrationId, {
        from: '2026-08-01',
        to: '2026-11-01',
        concurrency: 40,
      });
      const deadline = Date.now() + 60_000;
      while ((await h.runs({ integrationId })).filter((r) => r.status === 'COMPLETE').length < 50) {
        if (Date.now() > deadline) throw new Error('the backfill did not get going');
        await new Promise((r) => setTimeout(r, 200));
      }
      spawned[0]!.child.kill('SIGKILL');
      spawned.push(await spawnWorker(h, bundlePath));

      const done = await finished(started.id);
      assert.equal(done.status, 'COMPLETE', done.error ?? '');
      assert.equal(done.progress.found, 200);
      assert.equal(done.progress.failed, 0);
      // A window asked for again after the kill may give a bill a second pass, which finds nothing changed.
      assert.equal(done.progress.complete + done.progress.skipped, 200);
      assertOneInvoiceEach(realmId, bills);
    });
  });
});
