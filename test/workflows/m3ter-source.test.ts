import assert from 'node:assert/strict';
import type { JsonObject } from '../../emulators/quickbooks/json';
import type { IntegrationRun } from '../../src/db/repositories/runs.repository';
import { startSyncHarness, WEBHOOK_API_KEY, WEBHOOK_SECRET, type SyncHarness } from '../support/sync-harness';

type Doc = JsonObject & {
  Id: string;
  SyncToken: string;
  TotalAmt: number;
  TxnDate?: string;
  Line: Array<{ DetailType: string; Amount: number; Description?: string }>;
  PrivateNote?: string;
};

/**
 * m3ter as the source of truth, end to end: the m3ter emulator delivers its own signed webhooks to the
 * service, and every sync reads the bill it syncs from m3ter's API — whatever the webhook carried.
 */
describe('bills read from m3ter, triggered by its real webhook deliveries', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
    h.m3ter.control.subscribe(org(), {
      url: `${h.api.baseUrl}/webhooks/m3ter`,
      apiKey: WEBHOOK_API_KEY,
      secret: WEBHOOK_SECRET,
    });
  });
  after(async () => h?.stop());

  async function settledRuns(
    integrationId: string,
    billId: string,
    count: number,
  ): Promise<IntegrationRun[]> {
    await h.m3ter.control.waitForDeliveries();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const runs = await h.runs({ integrationId, billId });
      const done = runs.filter(
        (r) => !['WAITING', 'STARTED', 'AWAITING_RETRY', 'RATE_LIMIT_RETRY'].includes(r.status),
      );
      if (done.length >= count) return done.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      if (Date.now() > deadline)
        throw new Error(`runs of ${billId}: ${JSON.stringify(runs.map((r) => r.status))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const invoiceOf = (realmId: string, billId: string) =>
    (h.emulator.control.documents(realmId).Invoice as Doc[]).filter((d) =>
      d.PrivateNote?.includes(`[m3ter-bill:${billId}]`),
    );

  function account(id: string): void {
    h.m3ter.control.createAccount(org(), { id, code: id.toUpperCase(), name: `${id} Ltd`, currency: 'USD' });
  }

  it('generated (PENDING: skipped), approved (an invoice), recalculated and approved again (the same invoice, updated)', async () => {
    account('src-life');
    const { id: integrationId, realmId } = await h.createIntegration({
      accountIds: ['src-life'],
      onlySendBillOnApproval: true,
    });
    const bill = h.m3ter.control.generateBill(org(), {
      accountId: 'src-life',
      billDate: '2026-11-01',
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 250 },
        { description: 'API calls', lineItemType: 'USAGE', quantity: 1000, subtotal: 12.5 },
      ],
    });
    const [generated] = await settledRuns(integrationId, bill.id, 1);
    assert.equal(generated!.status, 'SKIPPED');
    assert.equal(invoiceOf(realmId, bill.id).length, 0);

    h.m3ter.control.approveBill(org(), bill.id);
    const approved = (await settledRuns(integrationId, bill.id, 2)).at(-1)!;
    assert.equal(approved.status, 'COMPLETE');
    assert.equal(approved.billVersion, 2);
    const [invoice] = invoiceOf(realmId, bill.id);
    assert.equal(invoice?.TotalAmt, 262.5);
    assert.equal(invoice?.TxnDate, '2026-11-01');

    // Recalculation: m3ter puts the bill back to PENDING with new amounts; approved again, it updates.
    const recalculated = h.m3ter.control.recalculateBill(org(), bill.id, {
      lineItems: [
        { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 250 },
        { description: 'API calls', lineItemType: 'USAGE', quantity: 1500, subtotal: 18.75 },
      ],
    });
    assert.equal(recalculated.status, 'PENDING');
    const reapproved = h.m3ter.control.approveBill(org(), bill.id);
    // Both events may reach the running workflow together: one pass reads the approved bill (COMPLETE), a
    // pass after it finds nothing changed (SKIPPED).
    await h.m3ter.control.waitForDeliveries();
    const deadline = Date.now() + 60_000;
    let runs = await h.runs({ integrationId, billId: bill.id });
    while (!runs.some((r) => r.status === 'COMPLETE' && r.billVersion === reapproved.version)) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(runs.map((r) => [r.status, r.billVersion])));
      await new Promise((r) => setTimeout(r, 200));
      runs = await h.runs({ integrationId, billId: bill.id });
    }
    assert.deepEqual(
      runs.map((r) => r.status).filter((s) => !['SKIPPED', 'COMPLETE', 'WAITING', 'STARTED'].includes(s)),
      [],
    );
    const updated = invoiceOf(realmId, bill.id);
    assert.equal(updated.length, 1, 'still one invoice');
    assert.equal(updated[0]!.Id, invoice!.Id);
    assert.equal(updated[0]!.SyncToken, '1');
    assert.equal(updated[0]!.TotalAmt, 268.75);
  });

  it('a bill with only what m3ter requires, and a line type new to this version, is sent whole with warnings', async () => {
    account('src-lean');
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['src-lean'] });
    // m3ter's own types: a Bill requires only its id; here no billDate, no dates, no version.
    h.m3ter.control.putBill(org(), {
      id: 'bill-src-lean',
      accountId: 'src-lean',
      currency: 'USD',
      lineItems: [
        {
          id: 'l1',
          description: 'Platform fee',
          lineItemType: 'STANDING_CHARGE',
          quantity: 1,
          subtotal: 100,
        },
        {
          id: 'l2',
          description: 'Carbon offset',
          lineItemType: 'CARBON_OFFSET_2027',
          quantity: 1,
          subtotal: 3.33,
        },
      ],
    } as never);
    // A delivery that carries nothing but the ids: the bill is read from m3ter.
    const res = await h.sendWebhook({
      id: 'evt-src-lean',
      eventName: 'billing.bill.updated',
      eventTime: new Date().toISOString(),
      m3terEvent: { eventData: { newDto: { id: 'bill-src-lean', accountId: 'src-lean' } } },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const [run] = await settledRuns(integrationId, 'bill-src-lean', 1);
    assert.equal(run!.status, 'COMPLETE', JSON.stringify(run!.error));
    const [invoice] = invoiceOf(realmId, 'bill-src-lean');
    assert.equal(invoice?.TotalAmt, 103.33, 'no money dropped');
    assert.equal(
      invoice?.TxnDate,
      // The emulated company keeps QuickBooks' default offset, -07:00: "today" is its local date.
      new Date(Date.now() - 7 * 3_600_000).toISOString().slice(0, 10),
      'sent without a date: QuickBooks dates it today in the company',
    );
    const sales = invoice!.Line.filter((l) => l.DetailType === 'SalesItemLineDetail');
    assert.deepEqual(
      sales.map((l) => [l.Description, l.Amount]),
      [
        ['Platform fee', 100],
        ['Carbon offset', 3.33],
      ],
    );
    assert.ok(
      run!.warnings.some((w) => w.includes('CARBON_OFFSET_2027')),
      JSON.stringify(run!.warnings),
    );
    assert.ok(
      run!.warnings.some((w) => /date/i.test(w)),
      JSON.stringify(run!.warnings),
    );
  });

  it('a currency QuickBooks does not know ends the run in ERROR naming it, and sends nothing', async () => {
    account('src-coin');
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['src-coin'] });
    const bill = h.m3ter.control.createBill(org(), {
      accountId: 'src-coin',
      billDate: '2026-11-01',
      currency: 'CREDITS',
      status: 'APPROVED',
      lineItems: [{ description: 'Credits', lineItemType: 'USAGE', quantity: 10, subtotal: 10 }],
    });
    const [run] = await settledRuns(integrationId, bill.id, 1);
    assert.equal(run!.status, 'ERROR');
    assert.match(JSON.stringify(run!.error), /CREDITS/);
    assert.equal(invoiceOf(realmId, bill.id).length, 0);
  });
});
