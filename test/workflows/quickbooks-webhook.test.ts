import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { QBO_VERIFIER_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness';

/**
 * POST /webhooks/quickbooks on the real API, PostgreSQL, Temporal (the bill is synced by its workflow) and the
 * QuickBooks emulator: a change to a linked document becomes one integration event, a repeat none, a bad
 * signature is refused.
 */
describe('QuickBooks webhook receiver', function () {
  this.timeout(120_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  async function post(body: unknown, signature?: string) {
    const raw = JSON.stringify(body);
    const res = await fetch(`${h.api.baseUrl}/webhooks/quickbooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'intuit-signature':
          signature ?? createHmac('sha256', QBO_VERIFIER_TOKEN).update(raw).digest('base64'),
      },
      body: raw,
    });
    return { status: res.status, text: await res.text() };
  }

  /** Waits until `count` deliveries have been processed (after their 200). */
  async function processed(count: number) {
    const deadline = Date.now() + 10_000;
    while (h.quickBooksNotifications.length < count && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.quickBooksNotifications.length, count);
    return h.quickBooksNotifications[count - 1]!;
  }

  it('turns an edit or a deletion of a linked document into one integration event each', async () => {
    h.m3ter.control.createAccount(h.m3ter.defaultOrgId, {
      id: 'qw-acct',
      code: 'QW',
      name: 'QW Ltd',
      currency: 'USD',
    });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['qw-acct'] });
    const bill = h.m3ter.control.createBill(h.m3ter.defaultOrgId, {
      accountId: 'qw-acct',
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 25 }],
    });
    const sent = await h.api.request('POST', `/integrations/${integrationId}/bills/${bill.id}/sync`);
    assert.equal(sent.status, 202, sent.text);
    assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
    const invoiceId = (h.emulator.control.documents(realmId).Invoice[0] as { Id: string }).Id;
    h.emulator.control.editDocument(realmId, 'Invoice', invoiceId, { privateNote: 'edited by hand' });
    const events = async () =>
      (
        await h.api.request<{ data: Array<{ eventType: string; billId: string; message: string }> }>(
          'GET',
          `/integration-events?integrationId=${integrationId}`,
        )
      ).body.data.filter((e) => e.eventType === 'integration.quickbooks.document.changed');

    const legacy = {
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              {
                name: 'Invoice',
                id: invoiceId,
                operation: 'Update',
                lastUpdated: '2026-12-01T10:00:00.000Z',
              },
              { name: 'Invoice', id: '999999', operation: 'Update', lastUpdated: '2026-12-01T10:00:00.000Z' },
              { name: 'Customer', id: '1', operation: 'Update', lastUpdated: '2026-12-01T10:00:00.000Z' },
            ],
          },
        },
      ],
    };
    const before = h.quickBooksNotifications.length;
    assert.equal((await post(legacy, 'bm90IHRoZSBzaWduYXR1cmU=')).status, 401);
    assert.equal((await post(legacy, '')).status, 401);
    const first = await post(legacy);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(JSON.parse(first.text), { received: 3 });
    assert.deepEqual(await processed(before + 1), { new: 3, events: 1, paid: 0 });
    const [edited] = await events();
    assert.equal(edited?.billId, bill.id);
    assert.match(edited!.message, /update in QuickBooks \(drift/);

    // Intuit retries: the same delivery again changes nothing.
    assert.equal((await post(legacy)).status, 200);
    assert.deepEqual(await processed(before + 2), { new: 0, events: 0, paid: 0 });
    assert.equal((await events()).length, 1);

    // The CloudEvents form of a deletion.
    const cloud = [
      {
        specversion: '1.0',
        id: 'ce-1',
        type: 'qbo.invoice.deleted.v1',
        time: '2026-12-01T11:00:00Z',
        intuitentityid: invoiceId,
        intuitaccountid: realmId,
      },
    ];
    assert.equal((await post(cloud)).status, 200);
    assert.deepEqual(await processed(before + 3), { new: 1, events: 1, paid: 0 });
    const all = await events();
    assert.equal(all.length, 2);
    assert.ok(all.some((e) => /delete in QuickBooks; send the bill again to recreate it/.test(e.message)));
    assert.equal((await post('not json' as unknown)).status, 200); // a JSON string: nothing readable, nothing done
  });

  it("an edit in the emulator reaches the receiver through the emulator's own signed delivery", async () => {
    h.m3ter.control.createAccount(h.m3ter.defaultOrgId, {
      id: 'qw-live',
      code: 'QWL',
      name: 'QW Live',
      currency: 'USD',
    });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['qw-live'] });
    const bill = h.m3ter.control.createBill(h.m3ter.defaultOrgId, {
      accountId: 'qw-live',
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 40 }],
    });
    const sent = await h.api.request('POST', `/integrations/${integrationId}/bills/${bill.id}/sync`);
    assert.equal(sent.status, 202, sent.text);
    assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
    const invoiceId = (h.emulator.control.documents(realmId).Invoice[0] as { Id: string }).Id;

    const before = h.quickBooksNotifications.length;
    h.emulator.control.setWebhook({
      url: `${h.api.baseUrl}/webhooks/quickbooks`,
      verifierToken: QBO_VERIFIER_TOKEN,
      batchWindowMs: 100,
    });
    try {
      h.emulator.control.editDocument(realmId, 'Invoice', invoiceId, { lineAmounts: [45] });
      const outcome = await processed(before + 1);
      assert.deepEqual(outcome, { new: 1, events: 1, paid: 0 });
      const [attempt] = h.emulator.control.webhookAttempts().slice(-1);
      assert.deepEqual([attempt?.status, attempt?.realmIds], [200, [realmId]]);
      const events = (
        await h.api.request<{
          data: Array<{ eventType: string; billId: string; details: { operation: string } }>;
        }>('GET', `/integration-events?integrationId=${integrationId}`)
      ).body.data.filter((e) => e.eventType === 'integration.quickbooks.document.changed');
      assert.deepEqual(
        events.map((e) => [e.billId, e.details.operation]),
        [[bill.id, 'Update']],
      );
    } finally {
      h.emulator.control.clearWebhook();
    }
  });
});
