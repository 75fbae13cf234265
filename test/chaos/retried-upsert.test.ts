import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { upsertBillDocument, type UpsertRequest } from '../../src/bill-sync/document-upsert';
import { documentMarker } from '../../src/domain/ids';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

/**
 * Found by the chaos run: a worker SIGKILLed after it recorded the bill's new document but before it reported
 * the activity done. The retried attempt finds the document recorded; it is this run's own document (COMPLETE),
 * not "unchanged since the last sync" (SKIPPED), which is kept for a later run with the same content.
 */
describe('chaos finding: an upsert retried after its worker died', function () {
  this.timeout(60_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness({ workers: 0 });
  });
  after(async () => h?.stop());

  it('reports the document an earlier attempt of the same run recorded as adopted, and a later run as unchanged', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const { access_token: accessToken } = h.emulator.control.mintTokens(realmId);
    const client = new QuickBooksClient({ realmId, accessToken, apiBaseUrl: h.emulator.v3BaseUrl });
    const customer = await client.createCustomer(
      { DisplayName: `Retry ${randomUUID().slice(0, 8)}` },
      { requestId: randomUUID() },
    );
    const billId = `bill-${randomUUID()}`;
    const request = (runStartedAt: string): UpsertRequest => ({
      integrationId,
      billId,
      document: {
        type: 'Invoice',
        payload: {
          CustomerRef: { value: customer.Id },
          TxnDate: '2026-11-01',
          Line: [
            {
              Amount: 12.34,
              DetailType: 'SalesItemLineDetail',
              SalesItemLineDetail: { Qty: 1, UnitPrice: 12.34 },
            },
          ],
          PrivateNote: documentMarker(billId),
          AllowOnlineACHPayment: false,
          AllowOnlineCreditCardPayment: false,
        },
      },
      payloadHash: 'hash-1',
      runStartedAt,
      documentUrl: (type, id) => `https://example.test/${type}/${id}`,
    });

    const runStarted = new Date(Date.now() - 1000).toISOString();
    const first = await upsertBillDocument(h.database.db, client, request(runStarted));
    assert.equal(first.outcome, 'created');
    // The same run's next attempt (the first one's worker died before reporting back).
    const retried = await upsertBillDocument(h.database.db, client, request(runStarted));
    assert.equal(retried.outcome, 'adopted');
    assert.equal(retried.externalId, first.externalId);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = await upsertBillDocument(h.database.db, client, request(new Date().toISOString()));
    assert.equal(later.outcome, 'unchanged');
    assert.equal(h.emulator.control.documents(realmId).Invoice.length, 1);
  });
});
