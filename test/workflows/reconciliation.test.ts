import assert from 'node:assert/strict';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { runReconciliation, reconciliationById, scheduledPeriod } from '../../src/bill-sync/reconciliation';
import { temporalReconciliationScheduler } from '../../src/temporal/reconciliation-scheduler';
import { getBillDocument, markCreating } from '../../src/db/repositories/bill-documents.repository';
import { QuickBooksClient } from '../../src/quickbooks/client';
import type { BillReconciliation } from '../../src/domain/reconciliation';
import { reconciliationDeps, seedLinkedBills } from '../support/reconciliation-seed';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

/**
 * Reconciliation on Temporal (the bills are synced by the product's workflows), PostgreSQL, the m3ter and
 * QuickBooks emulators: each result produced by a real change in the emulators and found by a run, with the
 * reads it costs; an uncertain create's document adopted.
 */
describe('reconciliation: what QuickBooks holds against what m3ter billed', function () {
  this.timeout(300_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  function bill(accountId: string, n: number): EmulatedBill {
    return h.m3ter.control.createBill(org(), {
      accountId,
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 },
        { description: 'Usage', lineItemType: 'USAGE', quantity: n + 1, subtotal: (1001 + n * 37) / 100 },
      ],
    });
  }

  const deps = () => reconciliationDeps(h);

  async function sync(integrationId: string, billId: string): Promise<void> {
    const res = await h.api.request('POST', `/integrations/${integrationId}/bills/${billId}/sync`);
    assert.equal(res.status, 202, res.text);
    assert.equal((await h.waitForSync(integrationId, billId)).status, 'COMPLETE');
  }

  it('finds each kind of drift, reading QuickBooks a few times, and adopts an uncertain create', async () => {
    for (const id of ['rc-in', 'rc-out'])
      h.m3ter.control.createAccount(org(), {
        id,
        code: id.toUpperCase(),
        name: `Recon ${id}`,
        currency: 'USD',
      });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['rc-in'] });
    const bills = Array.from({ length: 10 }, (_, n) => bill('rc-in', n));
    const [matched, edited, voided, deleted, paid, partly, regenerated, missing, uncertain, unlinked] = bills;
    const outOfScope = bill('rc-out', 20);
    const outOfScopeWithDoc = bill('rc-out', 21);
    for (const b of bills.slice(0, 7)) await sync(integrationId, b!.id);

    const docs = () =>
      h.emulator.control.documents(realmId).Invoice as Array<{
        Id: string;
        TotalAmt: number;
        PrivateNote?: string;
        CustomerRef: { value: string };
      }>;
    const docOf = (b: EmulatedBill) => docs().find((d) => d.PrivateNote?.includes(`[m3ter-bill:${b.id}]`))!;
    const customerId = docOf(matched!).CustomerRef.value;

    // Changes "in QuickBooks" and in m3ter.
    h.emulator.control.editDocument(realmId, 'Invoice', docOf(edited!).Id, { lineAmounts: [109] });
    h.emulator.control.voidDocument(realmId, 'Invoice', docOf(voided!).Id);
    const deletedId = docOf(deleted!).Id;
    h.emulator.control.deleteDocument(realmId, 'Invoice', deletedId);
    h.emulator.control.applyPayment(realmId, 'Invoice', docOf(paid!).Id);
    h.emulator.control.applyPayment(realmId, 'Invoice', docOf(partly!).Id, 50);
    h.m3ter.control.recalculateBill(org(), regenerated!.id, {
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 149.99 },
      ],
    });
    // Documents with our marker that no run recorded: after an uncertain create (link 'creating'), by hand,
    // for a bill out of scope, and for a bill m3ter does not have.
    const client = new QuickBooksClient({
      realmId,
      accessToken: h.emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: h.emulator.v3BaseUrl,
    });
    const foreign = async (billId: string, amount: number) =>
      client.createDocument(
        {
          type: 'Invoice',
          payload: {
            CustomerRef: { value: customerId },
            TxnDate: '2026-10-01',
            PrivateNote: `m3ter bill [m3ter-bill:${billId}]`,
            AllowOnlineACHPayment: false,
            AllowOnlineCreditCardPayment: false,
            Line: [{ DetailType: 'SalesItemLineDetail', Amount: amount, SalesItemLineDetail: {} }],
          },
        },
        { requestId: `foreign-${billId}` },
      );
    await markCreating(h.database.db, {
      integrationId,
      billId: uncertain!.id,
      documentType: 'Invoice',
      generation: 1,
      customerId,
      payloadHash: 'h',
    });
    const uncertainDoc = await foreign(uncertain!.id, 10);
    await foreign(unlinked!.id, 11);
    await foreign(outOfScopeWithDoc.id, 12);
    const orphan = await foreign('bill-gone-from-m3ter', 13.45);

    h.emulator.control.resetCounters();
    const { run, results } = await runReconciliation(deps(), integrationId, {
      from: '2026-10-01',
      to: '2026-11-01',
    });
    const reads = h.emulator.control.counters().readsByRealm[realmId] ?? 0;
    assert.equal(h.emulator.control.counters().writes, 0, 'a reconciliation never writes to QuickBooks');
    assert.ok(reads <= 3, `QuickBooks reads: ${reads}`);

    const of = (b: { id: string }): BillReconciliation => {
      const r = results.find((x) => x.billId === b.id);
      assert.ok(r, `a result for ${b.id}`);
      return r;
    };
    const kinds = (list: EmulatedBill[]) => list.map((b) => of(b).result);
    assert.deepEqual(kinds(bills), [
      'MATCHED',
      'EDITED_IN_QUICKBOOKS',
      'VOIDED',
      'DELETED',
      'PAID',
      'PARTLY_PAID',
      'AMOUNT_DIFFERS',
      'MISSING',
      'UNLINKED',
      'UNLINKED',
    ]);
    assert.deepEqual(kinds([outOfScope, outOfScopeWithDoc]), ['SKIPPED_BY_SETTINGS', 'NOT_EXPECTED']);
    // 99 + 10.38 (n = 1): its first line edited to 109
    assert.deepEqual(
      [of(edited!).expectedTotalMinor, of(edited!).heldTotalMinor, of(edited!).differenceMinor],
      [10938, 11938, 1000],
    );
    // regenerated to 149.99 in m3ter, QuickBooks still holds 99 + 11.23 (n = 6: 1001 + 222 = 12.23)
    const regen = of(regenerated!);
    assert.deepEqual(
      [regen.expectedTotalMinor, regen.heldTotalMinor, regen.differenceMinor],
      [14999, 11123, -3876],
    );
    assert.equal(of(deleted!).externalId, deletedId);
    assert.equal(of(uncertain!).externalId, uncertainDoc.Id);
    assert.match(of(uncertain!).detail, /adopted/);
    const orphaned = results.filter((r) => r.result === 'ORPHANED');
    assert.deepEqual(
      orphaned.map((r) => [r.billId, r.externalId, r.heldTotalMinor]),
      [['bill-gone-from-m3ter', orphan.Id, 1345]],
    );

    // The uncertain create is recorded now: the link names the document found by its marker.
    const link = await getBillDocument(h.database.db, integrationId, uncertain!.id);
    assert.deepEqual([link?.state, link?.externalId], ['synced', uncertainDoc.Id]);

    // Stored: the run with its summary, the results filterable.
    const stored = await reconciliationById(h.database.db, run.id, { results: ['UNLINKED', 'MISSING'] });
    assert.equal(stored.run.status, 'COMPLETE');
    assert.equal(stored.run.adopted, 1);
    assert.equal(stored.run.quickBooksReads, 1);
    assert.deepEqual(
      stored.results.map((r) => [r.billId, r.result]).sort(),
      [
        [missing!.id, 'MISSING'],
        [uncertain!.id, 'UNLINKED'],
        [unlinked!.id, 'UNLINKED'],
      ].sort(),
    );
    const summary = stored.run.summary!;
    assert.equal(summary.bills, 12);
    assert.equal(summary.counts.ORPHANED, 1);
    assert.equal(summary.counts.MATCHED, 1);
    assert.deepEqual(summary.amounts.USD?.byResult.EDITED_IN_QUICKBOOKS, {
      expectedMinor: 10938,
      heldMinor: 11938,
    });
  });

  it('runs as a workflow from the API: results filterable, CSV, and bad requests named', async () => {
    h.m3ter.control.createAccount(org(), { id: 'rc-api', code: 'RCAPI', name: 'Recon API', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['rc-api'] });
    const [kept, changed] = [bill('rc-api', 0), bill('rc-api', 1)];
    for (const b of [kept!, changed!]) await sync(integrationId, b.id);
    const invoice = (
      h.emulator.control.documents(realmId).Invoice as Array<{ Id: string; PrivateNote?: string }>
    ).find((d) => d.PrivateNote?.includes(`[m3ter-bill:${changed!.id}]`))!;
    h.emulator.control.editDocument(realmId, 'Invoice', invoice.Id, { lineAmounts: [100, 10.38] });

    type Run = { id: string; status: string; summary: { counts: Record<string, number> } | null };
    const started = await h.api.request<Run>('POST', `/integrations/${integrationId}/reconciliations`, {
      from: '2026-10-01',
      to: '2026-11-01',
    });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.status, 'RUNNING');
    await h.temporal.workflow.getHandle(`reconciliation/${started.body.id}`).result();
    const res = await h.api.request<Run & { results: BillReconciliation[] }>(
      'GET',
      `/reconciliations/${started.body.id}?result=EDITED_IN_QUICKBOOKS`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'COMPLETE');
    assert.deepEqual(
      res.body.results.map((r) => [
        r.billId,
        r.result,
        r.expectedTotalMinor,
        r.heldTotalMinor,
        r.differenceMinor,
      ]),
      [[changed!.id, 'EDITED_IN_QUICKBOOKS', 10938, 11038, 100]],
    );
    assert.equal(res.body.summary?.counts.MATCHED, 1);
    const list = await h.api.request<{ data: Run[] }>(
      'GET',
      `/integrations/${integrationId}/reconciliations`,
    );
    assert.deepEqual(
      list.body.data.map((r) => r.id),
      [started.body.id],
    );

    const csv = await h.api.request('GET', `/reconciliations/${started.body.id}/results.csv?result=MATCHED`);
    assert.equal(csv.status, 200);
    assert.equal(
      csv.text,
      'billId,result,documentType,externalId,currency,expectedTotalMinor,heldTotalMinor,differenceMinor,detail\r\n' +
        `${kept!.id},MATCHED,Invoice,${
          (h.emulator.control.documents(realmId).Invoice as Array<{ Id: string; PrivateNote?: string }>).find(
            (d) => d.PrivateNote?.includes(`[m3ter-bill:${kept!.id}]`),
          )!.Id
        },USD,10901,10901,0,as expected\r\n`,
    );

    const bad = await h.api.request<{ error: { message: string } }>(
      'POST',
      `/integrations/${integrationId}/reconciliations`,
      { from: '2026-11-01', to: '2026-10-01' },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /to/);
    const badResult = await h.api.request('GET', `/reconciliations/${started.body.id}?result=NOPE`);
    assert.equal(badResult.status, 400);
    assert.match(badResult.text, /result/);
    const unknown = await h.api.request(
      'POST',
      '/integrations/00000000-0000-4000-8000-000000000000/reconciliations',
      {
        from: '2026-10-01',
        to: '2026-11-01',
      },
    );
    assert.equal(unknown.status, 404);
    assert.equal((await h.api.request('GET', '/reconciliations/nope')).status, 404);
  });

  it('reconciles 1,000 bills of one company with at most 34 QuickBooks reads', async () => {
    const {
      integrationId,
      realmId,
      bills: many,
    } = await seedLinkedBills(h, {
      prefix: 'rc-many',
      count: 1000,
      accounts: 10,
    });
    h.emulator.control.resetCounters();
    const { run, results } = await runReconciliation(deps(), integrationId, {
      from: '2026-10-01',
      to: '2026-11-01',
    });
    const reads = h.emulator.control.counters().readsByRealm[realmId] ?? 0;
    console.log(
      `      reconciliation of ${many.length} bills: ${reads} QuickBooks reads (${run.quickBooksReads} batched)`,
    );
    assert.ok(reads <= 34, `QuickBooks reads: ${reads}`);
    assert.equal(h.emulator.control.counters().writes, 0);
    const ids = new Set(many.map((b) => b.id));
    const mine = results.filter((r) => ids.has(r.billId));
    assert.equal(mine.length, 1000);
    // Each invoice as the builder makes it (one line of 99 + n): all match.
    assert.equal(
      mine.filter((r) => r.result === 'MATCHED').length,
      1000,
      JSON.stringify(mine.find((r) => r.result !== 'MATCHED')),
    );
  });

  it('runs daily from a Temporal Schedule per integration, over the last two billing months', async () => {
    assert.deepEqual(scheduledPeriod(new Date('2026-12-02T10:00:00Z')), {
      from: '2026-11-01',
      to: '2027-01-01',
    });
    assert.deepEqual(scheduledPeriod(new Date('2027-01-31T23:59:59Z')), {
      from: '2026-12-01',
      to: '2027-02-01',
    });
    const { id: integrationId } = await h.createIntegration();
    const schedules = temporalReconciliationScheduler(h.temporal, h.taskQueue);
    await schedules.ensure(integrationId);
    await schedules.ensure(integrationId); // idempotent
    const handle = h.temporal.schedule.getHandle(`reconciliation-schedule/${integrationId}`);
    const described = await handle.describe();
    assert.deepEqual(
      described.spec.calendars?.map((c) => [c.hour, c.minute]),
      [[[{ start: 3, end: 3, step: 1 }], [{ start: 0, end: 0, step: 1 }]]],
    );
    await handle.trigger();
    const deadline = Date.now() + 60_000;
    let runs: Array<{ status: string; from: string; to: string }> = [];
    while (Date.now() < deadline) {
      runs = (
        await h.api.request<{ data: typeof runs }>('GET', `/integrations/${integrationId}/reconciliations`)
      ).body.data;
      if (runs[0]?.status === 'COMPLETE') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(
      runs.map((r) => [r.status, r.from, r.to]),
      [['COMPLETE', ...Object.values(scheduledPeriod(new Date()))]],
    );
    await schedules.remove(integrationId);
    await schedules.remove(integrationId);
    await assert.rejects(handle.describe(), /not found/i);
  });
});
