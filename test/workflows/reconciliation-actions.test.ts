import assert from 'node:assert/strict';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { runReconciliation } from '../../src/bill-sync/reconciliation';
import { getBillDocument } from '../../src/db/repositories/bill-documents.repository';
import type { BillReconciliation } from '../../src/domain/reconciliation';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { reconciliationDeps } from '../support/reconciliation-seed';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

type Doc = { Id: string; TotalAmt: number; PrivateNote?: string; CustomerRef: { value: string } };
type Outcome = { billId: string; action: string; result: string; runId?: string; externalId?: string };
type ErrorBody = { error: { code: string; message: string } };

/**
 * The actions on reconciliation results, on Temporal (the bills' own workflows), PostgreSQL and both
 * emulators: each action fixes its case with exactly one document per bill in QuickBooks (counted in the
 * emulator, totals to the cent), a result an action does not fix is refused with its code, and the
 * reconciliation run again says MATCHED.
 */
describe('reconciliation actions: resync, replay, adopt', function () {
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
  const expectedTotal = (n: number) => 9900 + 1001 + n * 37;

  async function sync(integrationId: string, billId: string, status = 'COMPLETE'): Promise<void> {
    const res = await h.api.request('POST', `/integrations/${integrationId}/bills/${billId}/sync`);
    assert.equal(res.status, 202, res.text);
    assert.equal((await h.waitForSync(integrationId, billId)).status, status);
  }

  async function reconcile(integrationId: string) {
    return runReconciliation(reconciliationDeps(h), integrationId, { from: '2026-10-01', to: '2026-11-01' });
  }

  it('resync, replay and adopt fix their results with one document per bill, then all is MATCHED', async () => {
    h.m3ter.control.createAccount(org(), { id: 'ra-acct', code: 'RA', name: 'Actions Ltd', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['ra-acct'] });
    const bills = Array.from({ length: 9 }, (_, n) => bill('ra-acct', n));
    const [edited, voided, deleted, regenerated, missing, failed, unlinkedSame, unlinkedOther, paid] = bills;
    for (const b of [edited, voided, deleted, regenerated, unlinkedSame, paid])
      await sync(integrationId, b!.id);
    // A create QuickBooks refused: the run ends ERROR and nothing is there.
    h.emulator.control.failNext(
      1,
      { type: 'status', status: 400 },
      { realmId, entity: 'invoice', operation: 'create' },
    );
    await sync(integrationId, failed!.id, 'ERROR');

    const docs = (): Doc[] => [
      ...(h.emulator.control.documents(realmId).Invoice as Doc[]),
      ...(h.emulator.control.documents(realmId).CreditMemo as Doc[]),
    ];
    const docsOf = (b: EmulatedBill) => docs().filter((d) => d.PrivateNote?.includes(`[m3ter-bill:${b.id}]`));
    const docOf = (b: EmulatedBill) => docsOf(b)[0]!;
    const customerId = docOf(edited!).CustomerRef.value;

    h.emulator.control.editDocument(realmId, 'Invoice', docOf(edited!).Id, { lineAmounts: [109] });
    h.emulator.control.voidDocument(realmId, 'Invoice', docOf(voided!).Id);
    h.emulator.control.deleteDocument(realmId, 'Invoice', docOf(deleted!).Id);
    h.emulator.control.applyPayment(realmId, 'Invoice', docOf(paid!).Id);
    h.m3ter.control.recalculateBill(org(), regenerated!.id, {
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 149.99 },
      ],
    });
    // The run says "no document" while QuickBooks has the one it made: the link and the run forget it.
    const sameDoc = docOf(unlinkedSame!);
    await h.database.db.query('DELETE FROM bill_documents WHERE integration_id = $1 AND bill_id = $2', [
      integrationId,
      unlinkedSame!.id,
    ]);
    await h.database.db.query(
      'UPDATE integration_runs SET external_id = NULL, external_type = NULL WHERE integration_id = $1 AND bill_id = $2',
      [integrationId, unlinkedSame!.id],
    );
    // A document with the bill's marker made elsewhere, with another amount.
    const client = new QuickBooksClient({
      realmId,
      accessToken: h.emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: h.emulator.v3BaseUrl,
    });
    const otherDoc = await client.createDocument(
      {
        type: 'Invoice',
        payload: {
          CustomerRef: { value: customerId },
          TxnDate: '2026-10-01',
          PrivateNote: `made by hand [m3ter-bill:${unlinkedOther!.id}]`,
          AllowOnlineACHPayment: false,
          AllowOnlineCreditCardPayment: false,
          Line: [{ DetailType: 'SalesItemLineDetail', Amount: 42, SalesItemLineDetail: {} }],
        },
      },
      { requestId: `by-hand-${unlinkedOther!.id}` },
    );

    const first = await reconcile(integrationId);
    const kindOf = (results: BillReconciliation[], b: EmulatedBill) =>
      results.find((r) => r.billId === b.id)?.result;
    assert.deepEqual(
      bills.map((b) => kindOf(first.results, b)),
      [
        'EDITED_IN_QUICKBOOKS',
        'VOIDED',
        'DELETED',
        'AMOUNT_DIFFERS',
        'MISSING',
        'MISSING',
        'UNLINKED',
        'UNLINKED',
        'PAID',
      ],
    );
    const runId = first.run.id;
    const action = (b: EmulatedBill, body: unknown) =>
      h.api.request<Outcome & ErrorBody>('POST', `/reconciliations/${runId}/results/${b.id}/actions`, body);
    const waitFor = async (b: EmulatedBill) =>
      assert.equal((await h.waitForSync(integrationId, b.id)).status, 'COMPLETE');

    // Refused, with a code naming why, and nothing written.
    const writesBefore = h.emulator.control.counters().writes;
    const refused = [
      [paid, 'resync', 'DOCUMENT_PAID'],
      [paid, 'replay', 'DOCUMENT_PAID'],
      [missing, 'adopt', 'ACTION_NOT_APPLICABLE'],
      [unlinkedOther, 'resync', 'ACTION_NOT_APPLICABLE'],
      [edited, 'replay', 'NO_FAILED_RUN'],
    ] as const;
    for (const [b, verb, code] of refused) {
      const res = await action(b!, { action: verb });
      assert.equal(res.status, 409, `${verb} ${b!.id}: ${res.text}`);
      assert.equal(res.body.error.code, code, res.text);
    }
    const badAction = await action(edited!, { action: 'fix-it' });
    assert.equal(badAction.status, 400);
    assert.match(badAction.text, /action/);
    assert.equal((await action({ id: 'no-such-bill' } as EmulatedBill, { action: 'resync' })).status, 404);
    const bulkRefused = await h.api.request<ErrorBody>('POST', `/reconciliations/${runId}/actions`, {
      action: 'adopt',
      result: ['MISSING'],
    });
    assert.equal(bulkRefused.status, 409, bulkRefused.text);
    assert.equal(bulkRefused.body.error.code, 'ACTION_NOT_APPLICABLE');
    assert.equal(h.emulator.control.counters().writes, writesBefore);
    const paidLink = await getBillDocument(h.database.db, integrationId, paid!.id);
    assert.ok(paidLink?.payloadHash, 'a refused action leaves the link as it was');

    // One click each: resync an edited document, replay the failed create.
    const resynced = await action(edited!, { action: 'resync' });
    assert.equal(resynced.status, 202, resynced.text);
    assert.deepEqual([resynced.body.action, resynced.body.result], ['resync', 'EDITED_IN_QUICKBOOKS']);
    await waitFor(edited!);
    const replayed = await action(failed!, { action: 'replay' });
    assert.equal(replayed.status, 202, replayed.text);
    await waitFor(failed!);
    const [replayRun] = await h.runs({ integrationId, billId: failed!.id });
    assert.equal(replayRun?.id, replayed.body.runId);
    assert.ok(replayRun?.replayedFromRunId, 'the new run is a replay of the failed one');

    // Adopt both unlinked documents (no QuickBooks write), in bulk.
    const writesBeforeAdopt = h.emulator.control.counters().writes;
    const adopted = await h.api.request<{ acted: number; outcomes: Outcome[] }>(
      'POST',
      `/reconciliations/${runId}/actions`,
      { action: 'adopt' },
    );
    assert.equal(adopted.status, 202, adopted.text);
    assert.equal(adopted.body.acted, 2);
    assert.deepEqual(
      adopted.body.outcomes.map((o) => [o.billId, o.externalId]).sort(),
      [
        [unlinkedSame!.id, sameDoc.Id],
        [unlinkedOther!.id, otherDoc.Id],
      ].sort(),
    );
    assert.equal(h.emulator.control.counters().writes, writesBeforeAdopt, 'adopting writes nothing');
    const [sameRun] = await h.runs({ integrationId, billId: unlinkedSame!.id });
    assert.equal(sameRun?.externalId, sameDoc.Id, "the bill's last run names the adopted document");

    // The rest in bulk: resync every result it fixes (the paid one is not among them).
    const bulk = await h.api.request<{ acted: number; outcomes: Outcome[]; skipped: unknown[] }>(
      'POST',
      `/reconciliations/${runId}/actions`,
      { action: 'resync', result: ['VOIDED', 'DELETED', 'AMOUNT_DIFFERS', 'MISSING'] },
    );
    assert.equal(bulk.status, 202, bulk.text);
    // voided, deleted, regenerated, missing, and the failed one (MISSING too, already replayed: synced again)
    assert.equal(bulk.body.acted, 5, bulk.text);
    for (const o of bulk.body.outcomes) await waitFor({ id: o.billId } as EmulatedBill);

    const second = await reconcile(integrationId);
    const kinds = bills.map((b) => kindOf(second.results, b));
    // The document adopted with other content is now the bill's: it differs in amount until resynced.
    assert.deepEqual(kinds, [
      'MATCHED',
      'MATCHED',
      'MATCHED',
      'MATCHED',
      'MATCHED',
      'MATCHED',
      'MATCHED',
      'AMOUNT_DIFFERS',
      'PAID',
    ]);
    const fixOther = await h.api.request<Outcome>(
      'POST',
      `/reconciliations/${second.run.id}/results/${unlinkedOther!.id}/actions`,
      { action: 'resync' },
    );
    assert.equal(fixOther.status, 202, fixOther.text);
    await waitFor(unlinkedOther!);
    const third = await reconcile(integrationId);
    assert.deepEqual(
      bills.map((b) => kindOf(third.results, b)),
      [...Array(8).fill('MATCHED'), 'PAID'],
    );

    // Exactly one document per bill in QuickBooks, each with the bill's total to the cent.
    for (const [n, b] of bills.entries()) {
      const held = docsOf(b!);
      assert.equal(held.length, 1, `${b!.id}: ${JSON.stringify(held)}`);
      const want = b === regenerated ? 14999 : expectedTotal(n);
      assert.equal(Math.round(held[0]!.TotalAmt * 100), want, b!.id);
    }
    assert.equal(docOf(deleted!).Id !== undefined, true);
    assert.equal(docOf(unlinkedOther!).Id, otherDoc.Id, 'the adopted document was updated, not replaced');
    assert.equal(docOf(voided!).Id, first.results.find((r) => r.billId === voided!.id)?.externalId);
  });

  it('CUSTOMER_DIFFERS and LINES_DIFFER come from edits in QuickBooks, are found by a run, and a resync fixes them', async () => {
    h.m3ter.control.createAccount(org(), { id: 'ra-edit', code: 'RAE', name: 'Edits Ltd', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['ra-edit'] });
    const [moved, relined] = [bill('ra-edit', 0), bill('ra-edit', 1)];
    for (const b of [moved!, relined!]) await sync(integrationId, b.id);
    const docOf = (b: EmulatedBill) =>
      (h.emulator.control.documents(realmId).Invoice as Doc[]).find((d) =>
        d.PrivateNote?.includes(`[m3ter-bill:${b.id}]`),
      )!;
    const ours = docOf(moved!).CustomerRef.value;
    // Another customer of the company (seeded), and a line retyped with the same amount.
    const other = (h.emulator.control.documents(realmId).Customer as Array<{ Id: string }>).find(
      (c) => c.Id !== ours,
    )!.Id;
    h.emulator.control.editDocument(realmId, 'Invoice', docOf(moved!).Id, { customerId: other });
    h.emulator.control.editDocument(realmId, 'Invoice', docOf(relined!).Id, {
      lines: [{ description: 'Platform fee (2 × 49.50)', qty: 2, unitPrice: 49.5 }],
    });
    assert.equal(Math.round(docOf(relined!).TotalAmt * 100), expectedTotal(1), 'the total is kept');

    const found = await reconcile(integrationId);
    const of = (b: EmulatedBill) => found.results.find((r) => r.billId === b.id)!;
    assert.equal(of(moved!).result, 'CUSTOMER_DIFFERS', of(moved!).detail);
    assert.ok(of(moved!).differences.includes(`customer: expected ${ours}, held ${other}`));
    assert.equal(of(relined!).result, 'LINES_DIFFER', of(relined!).detail);
    assert.equal(of(relined!).differenceMinor, 0);
    assert.deepEqual(of(relined!).differences, [
      'line 1 description: expected "Platform fee", held "Platform fee (2 × 49.50)"',
      'line 1 quantity: expected 1, held 2',
      'line 1 unit price: expected 99, held 49.5',
    ]);

    const bulk = await h.api.request<{ acted: number; outcomes: Outcome[] }>(
      'POST',
      `/reconciliations/${found.run.id}/actions`,
      { action: 'resync', billIds: [moved!.id, relined!.id] },
    );
    assert.equal(bulk.status, 202, bulk.text);
    assert.deepEqual(
      bulk.body.outcomes.map((o) => [o.billId, o.result]).sort(),
      [
        [moved!.id, 'CUSTOMER_DIFFERS'],
        [relined!.id, 'LINES_DIFFER'],
      ].sort(),
    );
    for (const b of [moved!, relined!])
      assert.equal((await h.waitForSync(integrationId, b.id)).status, 'COMPLETE');
    const again = await reconcile(integrationId);
    assert.deepEqual(
      [moved!, relined!].map((b) => again.results.find((r) => r.billId === b.id)?.result),
      ['MATCHED', 'MATCHED'],
    );
    assert.equal(docOf(moved!).CustomerRef.value, ours);
  });
});
