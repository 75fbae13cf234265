import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { pollQuickBooksChanges } from '../../src/bill-sync/quickbooks-cdc-poll';
import { scheduledReconciliation } from '../../src/workflows/reconciliation.workflow';
import { reconciliationDeps } from '../support/reconciliation-seed';
import { QBO_VERIFIER_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness';

type Doc = { Id: string; PrivateNote?: string };

/**
 * The CDC poll, the webhooks' fallback, on Temporal, PostgreSQL and both emulators: changes made in the
 * QuickBooks emulator with no webhook delivered are found by ChangeDataCapture and handled as a webhook would
 * (events, the paid run), once — a second poll, or a poll after the webhook was delivered, changes nothing —
 * and the integration's daily schedule workflow runs it.
 */
describe('QuickBooks ChangeDataCapture poll', function () {
  this.timeout(180_000);
  let h: SyncHarness;
  const org = () => h.m3ter.defaultOrgId;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  function bill(amount: number): EmulatedBill {
    return h.m3ter.control.createBill(org(), {
      accountId: 'cdc-acct',
      billDate: '2026-10-01',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [{ description: 'Fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: amount }],
    });
  }

  async function changedEvents(integrationId: string) {
    const res = await h.api.request<{
      data: Array<{ eventType: string; billId: string; details: { operation: string } }>;
    }>('GET', `/integration-events?integrationId=${integrationId}`);
    return res.body.data
      .filter((e) => e.eventType === 'integration.quickbooks.document.changed')
      .map((e) => [e.billId, e.details.operation])
      .sort();
  }

  it('handles what changed since the last poll once, as the webhook would', async () => {
    h.m3ter.control.createAccount(org(), { id: 'cdc-acct', code: 'CDC', name: 'CDC Ltd', currency: 'USD' });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds: ['cdc-acct'] });
    const [edited, paid, deleted, later] = [bill(10), bill(20), bill(30), bill(40)];
    for (const b of [edited!, paid!, deleted!, later!]) {
      const res = await h.api.request('POST', `/integrations/${integrationId}/bills/${b.id}/sync`);
      assert.equal(res.status, 202, res.text);
      assert.equal((await h.waitForSync(integrationId, b.id)).status, 'COMPLETE');
    }
    const idOf = (b: EmulatedBill) =>
      (h.emulator.control.documents(realmId).Invoice as Doc[]).find((d) =>
        d.PrivateNote?.includes(`[m3ter-bill:${b.id}]`),
      )!.Id;
    const deletedId = idOf(deleted!);
    h.emulator.control.editDocument(realmId, 'Invoice', idOf(edited!), { lineAmounts: [11] });
    h.emulator.control.applyPayment(realmId, 'Invoice', idOf(paid!));
    h.emulator.control.deleteDocument(realmId, 'Invoice', deletedId);

    const deps = { db: h.database.db, connector: reconciliationDeps(h).connector };
    h.emulator.control.resetCounters();
    const first = await pollQuickBooksChanges(deps, integrationId);
    assert.equal(h.emulator.control.counters().readsByRealm[realmId], 1, 'one QuickBooks read per poll');
    // Four invoices reported; the untouched one is our own create.
    assert.deepEqual(
      [first?.realmId, first?.changes, first?.new, first?.events, first?.paid],
      [realmId, 4, 4, 2, 1],
    );
    assert.deepEqual(
      await changedEvents(integrationId),
      [
        [deleted!.id, 'Delete'],
        [edited!.id, 'Update'],
      ].sort(),
    );
    const runs = await h.runs({ integrationId, billId: paid!.id });
    assert.deepEqual(
      [runs[0]?.status, runs[0]?.message],
      [
        'INVOICE_ALREADY_PAID',
        `Invoice ${idOf(paid!)} is paid in full in QuickBooks (total 20), learnt from the ChangeDataCapture poll; it will not be updated again`,
      ],
    );
    const { rows } = await h.database.db.query<{ changed_since: Date; changes: number }>(
      'SELECT changed_since, changes FROM quickbooks_cdc_cursors WHERE realm_id = $1',
      [realmId],
    );
    assert.deepEqual(
      rows.map((r) => [r.changed_since.toISOString(), r.changes]),
      [[first!.until, 4]],
    );

    // Again: the same changes (the poll reads a little before its cursor) change nothing.
    const second = await pollQuickBooksChanges(deps, integrationId);
    assert.deepEqual([second?.new, second?.events, second?.paid], [0, 0, 0]);
    assert.ok(Date.parse(second!.since) < Date.parse(first!.until), 'it reads from before its cursor');

    // A change the webhook delivered first is not handled a second time by the poll.
    const delivered = h.quickBooksNotifications.length;
    h.emulator.control.setWebhook({
      url: `${h.api.baseUrl}/webhooks/quickbooks`,
      verifierToken: QBO_VERIFIER_TOKEN,
      batchWindowMs: 50,
    });
    try {
      h.emulator.control.editDocument(realmId, 'Invoice', idOf(later!), { privateNote: 'by hand' });
      const deadline = Date.now() + 10_000;
      while (h.quickBooksNotifications.length === delivered && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(h.quickBooksNotifications[delivered], { new: 1, events: 1, paid: 0 });
    } finally {
      h.emulator.control.clearWebhook();
    }
    const third = await pollQuickBooksChanges(deps, integrationId);
    assert.deepEqual([third?.new, third?.events, third?.paid], [0, 0, 0]);
    assert.equal((await changedEvents(integrationId)).length, 3);

    // The integration's daily schedule runs the poll before its reconciliation. (QuickBooks times changes to
    // the second: two edits of one document within a second are one change.)
    h.emulator.control.clock.advance(2000);
    h.emulator.control.editDocument(realmId, 'Invoice', idOf(edited!), { privateNote: 'once more' });
    const result = await h.temporal.workflow.execute(scheduledReconciliation, {
      taskQueue: h.taskQueue,
      workflowId: `test-scheduled-${randomUUID()}`,
      args: [{ integrationId }],
    });
    assert.ok(result && result.polledChanges !== null && result.polledChanges >= 1, JSON.stringify(result));
    assert.equal((await changedEvents(integrationId)).length, 4);
    // Not connected: nothing to poll.
    const { id: unconnected } = await h.createIntegration({}, { credentialId: null });
    assert.equal(await pollQuickBooksChanges(deps, unconnected), null);
  });
});
