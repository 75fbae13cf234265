import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { runReconciliation } from '../../src/bill-sync/reconciliation';
import { getBillDocument } from '../../src/db/repositories/bill-documents.repository';
import { reconciliationDeps } from '../support/reconciliation-seed';
import { QBO_VERIFIER_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness';

type Run = { id: string; status: string; trigger: string; message: string | null; externalId: string | null };
type Doc = { Id: string; SyncToken: string; TotalAmt: number; Balance: number; PrivateNote?: string };

/**
 * "Paid → the run history shows it and updates stop", on Temporal, PostgreSQL and both emulators: a payment
 * learnt from a QuickBooks webhook or by a reconciliation becomes one INVOICE_ALREADY_PAID run in the bill's
 * history (seen through the runs API), and a later sync of the regenerated bill leaves the paid invoice alone.
 */
describe('paid documents: the run history shows it and updates stop', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  function bill(accountId: string, amount: number): EmulatedBill {
    return h.m3ter.control.createBill(org(), {
      accountId,
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: amount }],
    });
  }

  async function sync(integrationId: string, billId: string, status = 'COMPLETE') {
    const res = await h.api.request('POST', `/integrations/${integrationId}/bills/${billId}/sync`);
    assert.equal(res.status, 202, res.text);
    assert.equal((await h.waitForSync(integrationId, billId)).status, status);
  }

  async function runsOf(integrationId: string, billId: string): Promise<Run[]> {
    const res = await h.api.request<{ data: Run[] }>(
      'GET',
      `/integration-runs?integrationId=${integrationId}&billId=${billId}`,
    );
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  }

  async function postWebhook(body: unknown) {
    const raw = JSON.stringify(body);
    const before = h.quickBooksNotifications.length;
    const res = await fetch(`${h.api.baseUrl}/webhooks/quickbooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'intuit-signature': createHmac('sha256', QBO_VERIFIER_TOKEN).update(raw).digest('base64'),
      },
      body: raw,
    });
    assert.equal(res.status, 200);
    const deadline = Date.now() + 10_000;
    while (h.quickBooksNotifications.length === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    return h.quickBooksNotifications[before];
  }

  it('a payment told by a webhook is one run in the history, and the regenerated bill does not touch it', async () => {
    h.m3ter.control.createAccount(org(), { id: 'pd-acct', code: 'PD', name: 'Paid Ltd', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['pd-acct'] });
    const b = bill('pd-acct', 120.5);
    await sync(integrationId, b.id);
    const invoice = () => (h.emulator.control.documents(realmId).Invoice as Doc[])[0]!;
    h.emulator.control.applyPayment(realmId, 'Invoice', invoice().Id);
    const paid = invoice();
    assert.equal(paid.Balance, 0);

    const notification = {
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              { name: 'Invoice', id: paid.Id, operation: 'Update', lastUpdated: '2026-12-02T10:00:00.000Z' },
            ],
          },
        },
      ],
    };
    assert.deepEqual(await postWebhook(notification), { new: 1, events: 0, paid: 1 });
    const [noticed] = await runsOf(integrationId, b.id);
    assert.deepEqual(
      [noticed?.status, noticed?.trigger, noticed?.externalId, noticed?.message],
      [
        'INVOICE_ALREADY_PAID',
        'quickbooks',
        paid.Id,
        `Invoice ${paid.Id} is paid in full in QuickBooks (total 120.5), learnt from the QuickBooks webhook; it will not be updated again`,
      ],
    );
    assert.equal((await getBillDocument(h.database.db, integrationId, b.id))?.paidState, 'PAID');
    // The same news again (another delivery, a reconciliation) adds nothing to the history.
    assert.deepEqual(await postWebhook(notification), { new: 0, events: 0, paid: 0 });
    await runReconciliation(reconciliationDeps(h), integrationId, { from: '2026-10-01', to: '2026-11-01' });
    assert.equal((await runsOf(integrationId, b.id)).length, 2);

    // m3ter regenerates the bill: the sync ends INVOICE_ALREADY_PAID and QuickBooks keeps the paid invoice.
    h.m3ter.control.recalculateBill(org(), b.id, {
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 130 }],
    });
    await sync(integrationId, b.id, 'INVOICE_ALREADY_PAID');
    assert.deepEqual(
      [invoice().SyncToken, invoice().TotalAmt, invoice().Balance],
      [paid.SyncToken, 120.5, 0],
    );
    assert.deepEqual(
      (await runsOf(integrationId, b.id)).map((r) => r.status),
      ['INVOICE_ALREADY_PAID', 'INVOICE_ALREADY_PAID', 'COMPLETE'],
    );
  });

  it('a reconciliation that finds a partly paid document records it once', async () => {
    h.m3ter.control.createAccount(org(), { id: 'pd-part', code: 'PP', name: 'Partly Ltd', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['pd-part'] });
    const b = bill('pd-part', 80);
    await sync(integrationId, b.id);
    const id = (h.emulator.control.documents(realmId).Invoice as Doc[])[0]!.Id;
    h.emulator.control.applyPayment(realmId, 'Invoice', id, 30);
    const range = { from: '2026-10-01', to: '2026-11-01' };
    const { results } = await runReconciliation(reconciliationDeps(h), integrationId, range);
    assert.equal(results.find((r) => r.billId === b.id)?.result, 'PARTLY_PAID');
    await runReconciliation(reconciliationDeps(h), integrationId, range);
    const runs = await runsOf(integrationId, b.id);
    assert.deepEqual(
      runs.map((r) => [r.status, r.message]),
      [
        [
          'INVOICE_ALREADY_PAID',
          `Invoice ${id} is partly paid in QuickBooks (open 50 of 80), learnt from the reconciliation; it will not be updated again`,
        ],
        ['COMPLETE', null],
      ],
    );
  });
});
