import assert from 'node:assert/strict';
import { ACME_ACCOUNT, line, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import type { Bill } from '../../src/domain/m3ter';

interface StoredLine {
  DetailType: string;
  Amount: number;
  Description?: string;
  SalesItemLineDetail?: {
    ItemRef?: { value: string };
    Qty?: number;
    UnitPrice?: number;
    ServiceDate?: string;
  };
}
interface StoredInvoice {
  Id: string;
  CustomerRef: { value: string };
  Line: StoredLine[];
  TotalAmt: number;
  DocNumber?: string;
  AllowOnlineACHPayment?: boolean;
  AllowOnlineCreditCardPayment?: boolean;
  BillEmail?: { Address: string };
  BillEmailCc?: { Address: string };
  BillEmailBcc?: { Address: string };
  CustomerMemo?: { value: string };
}

const ITEM = { Services: '1', Hours: '2', Usage: '3', Subscription: '4', Credit: '5' };

/** A bill with a standing charge, banded usage, a zero line and a credit memo line. */
function richBill(): Bill {
  return sampleBill({
    lineItems: [
      line({
        description: 'Platform fee',
        lineItemType: 'STANDING_CHARGE',
        quantity: 1,
        subtotal: 100,
        productId: 'prod-platform',
      }),
      line({
        description: 'API calls',
        lineItemType: 'USAGE',
        quantity: 15000,
        units: 15000,
        subtotal: 150,
        productId: 'prod-api',
        aggregationId: 'agg-calls',
        usagePerPricingBand: [
          {
            pricingBandId: 'band-1',
            lowerLimit: 0,
            bandQuantity: 10000,
            bandUnits: 10000,
            unitPrice: 0.01,
            bandSubtotal: 100,
          },
          {
            pricingBandId: 'band-2',
            lowerLimit: 10000,
            bandQuantity: 5000,
            bandUnits: 5000,
            unitPrice: 0.01,
            bandSubtotal: 50,
          },
        ],
      }),
      line({
        description: 'Storage',
        lineItemType: 'USAGE',
        quantity: 0,
        subtotal: 0,
        productId: 'prod-storage',
        aggregationId: 'agg-storage',
      }),
      line({ description: 'Goodwill credit', lineItemType: 'CREDIT_MEMO', quantity: 1, subtotal: -20 }),
    ],
  });
}

/** Each setting's visible effect on the invoice stored in QuickBooks (one integration and company each). */
describe('integration settings, as seen on the stored invoice', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  before(async () => {
    h = await startSyncHarness();
    await h.putAccount(ACME_ACCOUNT);
  });
  after(async () => h?.stop());

  async function syncWith(
    settings: Record<string, unknown>,
    bill: Bill = richBill(),
    prepare?: (realmId: string, integrationId: string) => Promise<void>,
  ) {
    const { id, realmId } = await h.createIntegration(settings);
    await prepare?.(realmId, id);
    await h.sendWebhook(h.billEvent(bill));
    const result = await h.waitForSync(id, bill.id);
    const invoices = h.emulator.control.documents(realmId).Invoice as unknown as StoredInvoice[];
    return { result, invoice: invoices[0]!, invoices, realmId, integrationId: id };
  }
  const sales = (inv: StoredInvoice) => inv.Line.filter((l) => l.DetailType === 'SalesItemLineDetail');
  const mapItem = (
    integrationConfigId: string | null,
    m3terEntity: string,
    m3terId: string,
    externalId: string,
  ) =>
    h.api.request('POST', '/external-mappings', {
      m3terEntity,
      m3terId,
      externalSystem: 'QuickBooks',
      externalId,
      integrationConfigId,
    });

  it('defaults: one line per bill line (zero line dropped), unmapped lines sent without an item, no payment switches', async () => {
    const { result, invoice, integrationId } = await syncWith({});
    assert.equal(result.status, 'COMPLETE');
    // Sent without ItemRef (never dropped); QuickBooks files such lines under its default item.
    const preview = await h.api.request<{ payload: { Line: StoredLine[] } }>(
      'GET',
      `/integrations/${integrationId}/bills/${encodeURIComponent(String(result.runId && (await h.runs({ integrationId }))[0]!.billId))}/preview`,
    );
    assert.equal(preview.status, 200);
    assert.deepEqual(
      preview.body.payload.Line.map((l) => l.SalesItemLineDetail?.ItemRef ?? null),
      [null, null, null],
    );
    assert.deepEqual(
      sales(invoice).map((l) => [l.Description, l.Amount]),
      [
        ['Platform fee', 100],
        ['API calls', 150],
        ['Goodwill credit', -20],
      ],
    );
    assert.equal(invoice.TotalAmt, 230);
    assert.equal(invoice.AllowOnlineACHPayment, false);
    assert.equal(invoice.AllowOnlineCreditCardPayment, false);
    assert.deepEqual(invoice.BillEmail, { Address: 'billing@acme.example' });
    assert.equal(invoice.BillEmailCc, undefined);
  });

  it('excludedLineItemTypes, excludedProductIds and sendZeroQuantityLineItems', async () => {
    const a = await syncWith({
      excludedLineItemTypes: ['CREDIT_MEMO'],
      excludedProductIds: ['prod-platform'],
      sendZeroQuantityLineItems: true,
    });
    assert.deepEqual(
      sales(a.invoice).map((l) => [l.Description, l.Amount]),
      [
        ['API calls', 150],
        ['Storage', 0],
      ],
    );
    assert.equal(a.invoice.TotalAmt, 150);
  });

  it('ITEM_PER_USAGE_BAND with band, product and CREDIT_MEMO item mappings, sorted by subtotal', async () => {
    const { invoice } = await syncWith(
      {
        splitUsageLineItems: 'ITEM_PER_USAGE_BAND',
        sortLineItemsBy: 'SUBTOTAL',
        quickBooksItemMapping: { CREDIT_MEMO: ITEM.Credit },
      },
      richBill(),
      async (_realm, integrationId) => {
        assert.equal((await mapItem(integrationId, 'PricingBand', 'band-1', ITEM.Usage)).status, 201);
        assert.equal(
          (await mapItem(integrationId, 'Product', 'prod-platform', ITEM.Subscription)).status,
          201,
        );
        assert.equal((await mapItem(integrationId, 'Aggregation', 'agg-calls', ITEM.Hours)).status, 201);
      },
    );
    const lines = sales(invoice).map((l) => [l.Amount, l.SalesItemLineDetail?.ItemRef?.value ?? null]);
    assert.deepEqual(lines, [
      [100, ITEM.Subscription], // platform fee 100 and band 1 (100) tie: bill order
      [100, ITEM.Usage], // band with its own mapping
      [50, ITEM.Hours], // band without one: the aggregation's item
      [-20, ITEM.Credit],
    ]);
    assert.match(sales(invoice)[1]!.Description ?? '', /API calls/);
    assert.equal(invoice.TotalAmt, 230);
  });

  it('payment switches, BCC, the account manager custom field as CC, and the billing period memo', async () => {
    const { invoice } = await syncWith({
      allowBankTransferPayment: true,
      allowCreditCardPayment: true,
      bccInvoiceEmailAddress: 'finance@seller.example',
      accountManagerEmailCustomField: 'accountManager',
    });
    assert.equal(invoice.AllowOnlineACHPayment, true);
    assert.equal(invoice.AllowOnlineCreditCardPayment, true);
    assert.deepEqual(invoice.BillEmailBcc, { Address: 'finance@seller.example' });
    assert.deepEqual(invoice.BillEmailCc, { Address: 'am@seller.example' });
    assert.match(invoice.CustomerMemo?.value ?? '', /2026-10-01/);
  });

  it('links an existing QuickBooks customer with the account name instead of creating one', async () => {
    let existingId = '';
    const { invoice, realmId } = await syncWith({}, richBill(), async (realm) => {
      const res = await fetch(`${h.emulator.v3BaseUrl}${realm}/customer`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.emulator.control.mintTokens(realm).access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ DisplayName: 'Acme Corp' }),
      });
      existingId = ((await res.json()) as { Customer: { Id: string } }).Customer.Id;
    });
    assert.equal(invoice.CustomerRef.value, existingId);
    const acmes = (h.emulator.control.documents(realmId).Customer as Array<{ DisplayName: string }>).filter(
      (c) => c.DisplayName === 'Acme Corp',
    );
    assert.equal(acmes.length, 1);
  });

  it('useExternalMappingAccountCode: the mapped customer; enforceExternalMappingsForConfig ignores unlinked mappings', async () => {
    const { invoice } = await syncWith(
      { useExternalMappingAccountCode: true },
      richBill(),
      async (_realm, integrationId) => {
        assert.equal((await mapItem(integrationId, 'Account', 'acct-1', '3')).status, 201);
      },
    );
    assert.equal(invoice.CustomerRef.value, '3');

    const bill = richBill();
    const enforced = await syncWith(
      { useExternalMappingAccountCode: true, enforceExternalMappingsForConfig: true },
      bill,
      async () => {
        // unlinked: does not count when mappings are enforced for the integration
        const res = await mapItem(null, 'Account', 'acct-1', '4');
        assert.ok(res.status === 201 || res.status === 409);
      },
    );
    assert.equal(enforced.result.status, 'ERROR');
    assert.equal(enforced.invoices.length, 0);
  });

  it('an account filter decides which integration gets the bill (US company vs UK company)', async () => {
    const us = await h.createIntegration({ accountFilter: 'address.country == US' });
    const uk = await h.createIntegration({
      accountFilter: 'customFields != null AND customFields.country == UK',
    });
    const bill = richBill();
    const res = await h.sendWebhook(h.billEvent(bill));
    const started = res.body.workflows as string[];
    assert.ok(started.includes(`bill-sync/${us.id}/${bill.id}`));
    assert.ok(!started.includes(`bill-sync/${uk.id}/${bill.id}`));
    assert.equal((await h.waitForSync(us.id, bill.id)).status, 'COMPLETE');
    assert.equal(h.emulator.control.documents(us.realmId).Invoice.length, 1);
    assert.equal(h.emulator.control.documents(uk.realmId).Invoice.length, 0);
    assert.deepEqual(await h.runs({ integrationId: uk.id }), []);
  });
});
