import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bill } from '../../src/domain/m3ter';
import type { BillSyncResult } from '../../src/workflows/bill-sync.workflow';
import { line, sampleBill } from '../support/bills';
import { spawnWorker, type SpawnedWorker } from '../support/spawned-worker';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { workflowBundle } from '../support/workflow-bundle';
import { getRunApi, invoicesOfBill, newAccount, scopedIntegration, type Doc } from '../failures/helpers';

/**
 * The batch path (month-end): a company with a backlog gets its creates and updates in POST /batch requests of
 * at most 30, within QuickBooks' request and batch budgets, each bill still its own workflow and run. On the
 * Temporal dev server, PostgreSQL and the QuickBooks emulator enforcing QuickBooks' limits.
 */
describe('batch writes: a backlog into one company goes out in batches', function () {
  this.timeout(180_000);
  let h: SyncHarness;

  before(async () => {
    // 2 requests a second per company: a burst of bills queues behind it, which is what makes batches.
    h = await startSyncHarness({ governor: { requestsPerMinute: 120, burst: 2 } });
  });
  after(async () => h?.stop());

  /** Bills of one account with distinct totals (to the cent): 223.45 + i × 0.01. */
  const billsOf = (accountId: string, count: number, tag: string): Bill[] =>
    Array.from({ length: count }, (_, i) =>
      sampleBill({
        accountId,
        id: `${accountId}-${tag}-${i}`,
        lineItems: [
          line({
            description: 'Platform fee',
            lineItemType: 'STANDING_CHARGE',
            quantity: 1,
            subtotal: 100 + i / 100,
          }),
          line({ description: 'API calls', lineItemType: 'USAGE', quantity: 12345, subtotal: 123.45 }),
        ],
      }),
    );
  const totalOf = (bill: Bill) => Math.round(bill.lineItems.reduce((s, l) => s + l.subtotal, 0) * 100) / 100;

  /** An integration on a fresh company enforcing QuickBooks' limits, with the account's customer already mapped. */
  async function company(): Promise<{ integrationId: string; realmId: string; accountId: string }> {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    h.emulator.control.setLimits(
      { enabled: true, requestsPerMinute: 500, maxConcurrent: 10, batchesPerMinute: 40 },
      realmId,
    );
    const first = sampleBill({ accountId: account.id, id: `${account.id}-first` });
    await h.putBill(first);
    await h.syncs.requestBillSync({
      integrationId,
      billId: first.id,
      accountId: account.id,
      trigger: 'manual',
    });
    assert.equal((await h.waitForSync(integrationId, first.id)).status, 'COMPLETE');
    return { integrationId, realmId, accountId: account.id };
  }

  async function syncAll(integrationId: string, bills: Bill[]): Promise<BillSyncResult[]> {
    for (const bill of bills) await h.putBill(bill);
    await Promise.all(
      bills.map((bill) =>
        h.syncs.requestBillSync({
          integrationId,
          billId: bill.id,
          accountId: bill.accountId,
          trigger: 'manual',
        }),
      ),
    );
    return Promise.all(bills.map((bill) => outcomeOf(integrationId, bill.id)));
  }

  /**
   * The bill's outcome: its workflow's result, or — when a repeated request gave it a later pass that found the
   * document unchanged (SKIPPED) — the COMPLETE pass before it.
   */
  async function outcomeOf(integrationId: string, billId: string): Promise<BillSyncResult> {
    const result = await h.waitForSync(integrationId, billId);
    if (result.status !== 'SKIPPED' || result.passes < 2) return result;
    const runs = await h.runs({ integrationId, billId });
    const before = runs
      .filter((r) => r.status === 'COMPLETE')
      .sort((a, b) => +a.startedAt - +b.startedAt)
      .at(-1);
    const last = runs.find((r) => r.id === result.runId);
    if (!before || !/^unchanged/.test(last?.message ?? '')) return result;
    return { ...result, runId: before.id, status: 'COMPLETE', externalId: before.externalId ?? undefined };
  }

  function assertOneInvoiceEach(realmId: string, bills: Bill[]): Doc[] {
    return bills.map((bill) => {
      const docs = invoicesOfBill(h, realmId, bill.id);
      assert.equal(docs.length, 1, `${bill.id}: ${docs.length} invoices`);
      assert.equal(docs[0]!.TotalAmt, totalOf(bill), bill.id);
      return docs[0]!;
    });
  }

  it('300 bills: batches of at most 30 within both budgets, every bill COMPLETE with one invoice, its batch on its run', async () => {
    const { integrationId, realmId, accountId } = await company();
    const bills = billsOf(accountId, 300, 'backlog');
    h.emulator.control.resetCounters();
    const started = Date.now();
    const results = await syncAll(integrationId, bills);
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['COMPLETE']));
    assertOneInvoiceEach(realmId, bills);

    const c = h.emulator.control.counters();
    console.log(
      `      ${bills.length} bills in ${((Date.now() - started) / 1000).toFixed(1)} s: ${c.batches} batches (${c.batchItems} writes, largest ${c.largestBatch}), ${c.api - c.batches} single requests`,
    );
    assert.equal(c.throttled, 0, 'neither budget was exceeded');
    assert.ok(c.batches >= 5, `${c.batches} batches`);
    assert.ok(c.largestBatch <= 30 && c.largestBatch > 1, `largest batch ${c.largestBatch}`);
    const singles = c.byOperation['POST invoice create'] ?? 0;
    assert.equal(c.batchItems + singles, bills.length, 'each bill written once');
    assert.equal(c.api, c.batches + singles, 'no read, no retry');
    assert.ok(c.api < bills.length / 3, `${c.api} requests for ${bills.length} bills`);

    // Each batched bill's run names its batch; the batches' sizes add up to the batched bills.
    const runs = await Promise.all(results.map((r) => getRunApi(h, r.runId)));
    const batched = runs.filter((r) => r.batch);
    assert.equal(batched.length, c.batchItems);
    const sizes = new Map(batched.map((r) => [r.batch!.requestId, r.batch!.size]));
    assert.equal(sizes.size, c.batches);
    assert.equal(
      [...sizes.values()].reduce((a, b) => a + b, 0),
      c.batchItems,
    );
    for (const [requestId] of sizes) assert.ok(requestId.length <= 36, requestId);
  });

  it("an item's validation fault (6000) ends only its own bill's run; a stale SyncToken item is re-read and retried alone", async () => {
    const { integrationId, realmId, accountId } = await company();
    const bills = billsOf(accountId, 20, 'items');
    h.emulator.control.enqueueFaults([
      {
        action: {
          type: 'fault',
          code: '6000',
          message: 'A business validation error has occurred',
          detail: 'Injected',
        },
        match: { target: 'batch-item', realmId, operation: 'create' },
      },
    ]);
    h.emulator.control.resetCounters();
    const results = await syncAll(integrationId, bills);
    assert.ok(h.emulator.control.counters().batches >= 1);
    const failed = results.filter((r) => r.status !== 'COMPLETE');
    assert.equal(failed.length, 1, results.map((r) => r.status).join(','));
    assert.equal(failed[0]!.status, 'ERROR');
    const run = await getRunApi(h, failed[0]!.runId);
    assert.equal(run.error?.quickBooks?.code, '6000');
    const failedBill = bills.find((b) => b.id === run.billId)!;
    assert.deepEqual(invoicesOfBill(h, realmId, failedBill.id), []);
    const others = bills.filter((b) => b !== failedBill);
    assertOneInvoiceEach(realmId, others);

    // The others regenerated together: their updates go out in batches; one item meets a stale SyncToken.
    const regenerated = others.map((b) => ({
      ...b,
      version: 2,
      lineItems: [
        ...b.lineItems,
        line({ description: 'Support', lineItemType: 'AD_HOC', quantity: 1, subtotal: 50 }),
      ],
    }));
    h.emulator.control.enqueueFaults([
      {
        action: {
          type: 'fault',
          code: '5010',
          message: 'Stale Object Error',
          detail: 'Injected stale SyncToken',
        },
        match: { target: 'batch-item', realmId, operation: 'update' },
      },
    ]);
    h.emulator.control.resetCounters();
    const updated = await syncAll(integrationId, regenerated);
    assert.deepEqual(new Set(updated.map((r) => r.status)), new Set(['COMPLETE']));
    const docs = assertOneInvoiceEach(realmId, regenerated);
    const c = h.emulator.control.counters();
    assert.ok(c.batches >= 1, 'the updates were batched');
    // Each update went out once, in a batch or alone; the stale item was read again and sent again by itself.
    const alone = c.byOperation['POST invoice update'] ?? 0;
    assert.ok(alone >= 1, JSON.stringify(c.byOperation));
    assert.ok(c.batchItems + alone >= regenerated.length + 1, JSON.stringify(c));
    // One read each before its update, the stale one read again (a write handed back by a busy company reads again).
    assert.ok(
      (c.byOperation['GET invoice read'] ?? 0) >= regenerated.length + 1,
      JSON.stringify(c.byOperation),
    );
    assert.deepEqual(h.emulator.control.faults().queue, []);
    assert.ok(docs.every((d) => d.SyncToken === '1'));
  });

  it('a batch that committed and then lost its connection: found by marker, one invoice each', async () => {
    const { integrationId, realmId, accountId } = await company();
    const bills = billsOf(accountId, 30, 'dropped');
    h.emulator.control.enqueueFaults([
      { action: { type: 'commit-then-drop' }, match: { realmId, entity: 'batch', operation: 'batch' } },
    ]);
    h.emulator.control.resetCounters();
    const results = await syncAll(integrationId, bills);
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['COMPLETE']));
    assertOneInvoiceEach(realmId, bills);
    const c = h.emulator.control.counters();
    assert.equal(c.dropped, 1);
    assert.ok(
      (c.byOperation['GET invoice query'] ?? 0) >= 1,
      'the uncertain creates were looked up by marker',
    );
  });

  it('a bill regenerated while its batch is in flight ends with its newest version in QuickBooks', async () => {
    const { integrationId, realmId, accountId } = await company();
    const bills = billsOf(accountId, 10, 'pending');
    h.emulator.control.enqueueFaults([
      { action: { type: 'latency', ms: 1_500 }, match: { realmId, entity: 'batch' } },
    ]);
    for (const bill of bills) await h.putBill(bill);
    await Promise.all(
      bills.map((bill) =>
        h.syncs.requestBillSync({
          integrationId,
          billId: bill.id,
          accountId: bill.accountId,
          trigger: 'manual',
        }),
      ),
    );
    // While the slow batch is out, m3ter recalculates one bill.
    const deadline = Date.now() + 30_000;
    while (h.emulator.control.counters().batches === 0) {
      if (Date.now() > deadline) throw new Error('no batch went out');
      await new Promise((r) => setTimeout(r, 20));
    }
    const target = bills[3]!;
    const newest = {
      ...target,
      version: 2,
      lineItems: [
        ...target.lineItems,
        line({ lineItemType: 'AD_HOC', description: 'Late usage', quantity: 1, subtotal: 7.77 }),
      ],
    };
    await h.putBill(newest);
    await h.syncs.requestBillSync({ integrationId, billId: target.id, accountId, trigger: 'manual' });
    const results = await Promise.all(bills.map((b) => outcomeOf(integrationId, b.id)));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['COMPLETE']));
    assertOneInvoiceEach(realmId, [...bills.filter((b) => b !== target), newest]);
  });

  describe('with a worker process SIGKILLed while its batch is out', () => {
    let tmp: string;
    let bundlePath: string;
    const spawned: SpawnedWorker[] = [];

    before(async () => {
      tmp = mkdtempSync(path.join(tmpdir(), 'qbo-batch-'));
      bundlePath = path.join(tmp, 'workflow-bundle.js');
      writeFileSync(bundlePath, (await workflowBundle()).code);
    });
    after(async () => {
      for (const w of spawned) await w.stop();
      rmSync(tmp, { recursive: true, force: true });
      await h.startWorker();
    });

    it('another worker finishes: one invoice each, totals to the cent', async () => {
      const { integrationId, realmId, accountId } = await company();
      const bills = billsOf(accountId, 40, 'killed');
      await h.stopWorkers();
      spawned.push(await spawnWorker(h, bundlePath));
      // The batch commits after 2 s; the worker dies before the answer.
      h.emulator.control.enqueueFaults([
        { action: { type: 'latency', ms: 2_000 }, match: { realmId, entity: 'batch' } },
      ]);
      h.emulator.control.resetCounters();
      for (const bill of bills) await h.putBill(bill);
      await Promise.all(
        bills.map((bill) =>
          h.syncs.requestBillSync({ integrationId, billId: bill.id, accountId, trigger: 'manual' }),
        ),
      );
      const deadline = Date.now() + 60_000;
      while (h.emulator.control.counters().batches === 0) {
        if (Date.now() > deadline) throw new Error('no batch went out');
        await new Promise((r) => setTimeout(r, 20));
      }
      spawned[0]!.child.kill('SIGKILL');
      spawned.push(await spawnWorker(h, bundlePath));
      // The 30 s until the killed worker's steps time out leave room for the integration's sweep to ask again.
      const results = await Promise.all(bills.map((b) => outcomeOf(integrationId, b.id)));
      assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['COMPLETE']));
      assertOneInvoiceEach(realmId, bills);
    });
  });
});
