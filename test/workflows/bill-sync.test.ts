import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import type { JsonObject } from '../../emulators/quickbooks/json';
import { getBillDocument } from '../../src/db/repositories/bill-documents.repository';
import { ACME_ACCOUNT, line, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

type Doc = JsonObject & {
  Id: string;
  SyncToken: string;
  TotalAmt: number;
  Line: Array<Record<string, unknown>>;
  PrivateNote?: string;
};

describe('bill sync workflow (Temporal dev server + QuickBooks emulator)', function () {
  this.timeout(120_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
    await h.putAccount(ACME_ACCOUNT);
  });
  after(async () => h?.stop());

  const invoices = (realmId: string) => h.emulator.control.documents(realmId).Invoice as Doc[];
  const creditMemos = (realmId: string) => h.emulator.control.documents(realmId).CreditMemo as Doc[];

  it('turns a signed bill webhook into one invoice for the right customer, with the right lines and amounts', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const bill = sampleBill();
    const res = await h.sendWebhook(h.billEvent(bill));
    assert.equal(res.status, 202);
    assert.deepEqual(res.body.workflows, [`bill-sync/${integrationId}/${bill.id}`]);

    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    assert.equal(result.passes, 1);

    const [invoice, ...others] = invoices(realmId);
    assert.equal(others.length, 0);
    assert.ok(invoice);
    assert.equal(invoice.TotalAmt, 223.45);
    const customers = h.emulator.control.documents(realmId).Customer as Array<{
      Id: string;
      DisplayName: string;
      PrimaryEmailAddr?: { Address: string };
    }>;
    const acme = customers.find((c) => c.DisplayName === 'Acme Corp');
    assert.ok(acme, 'the customer was created with the account name');
    assert.equal(acme.PrimaryEmailAddr?.Address, 'billing@acme.example');
    assert.deepEqual(invoice.CustomerRef, { value: acme.Id, name: 'Acme Corp' });
    assert.equal(invoice.TxnDate, '2026-11-01');
    assert.equal(invoice.DueDate, '2026-12-01');
    assert.match(invoice.PrivateNote ?? '', new RegExp(`\\[m3ter-bill:${bill.id}\\]`));
    const sales = invoice.Line.filter((l) => l.DetailType === 'SalesItemLineDetail');
    assert.deepEqual(
      sales.map((l) => [l.Description, l.Amount]),
      [
        ['Platform fee', 100],
        ['API calls', 123.45],
      ],
    );

    const [run] = await h.runs({ integrationId, billId: bill.id });
    assert.ok(run);
    assert.equal(run.status, 'COMPLETE');
    assert.equal(run.externalId, invoice.Id);
    assert.equal(run.externalType, 'Invoice');
    assert.equal(run.url, `${h.emulator.url}/app/invoice?txnId=${invoice.Id}`);
    assert.equal(run.workflowId, `bill-sync/${integrationId}/${bill.id}`);

    const api = await h.api.request<{ temporalUrl: string }>('GET', `/integration-runs/${run.id}`);
    assert.equal(api.status, 200);
    assert.equal(
      api.body.temporalUrl,
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(run.workflowId)}/${run.workflowRunId}/history`,
    );

    // The account → customer link was recorded as a mapping linked to this integration.
    const mapping = await h.api.request<{ externalId: string; integrationConfigId: string }>(
      'GET',
      `/integrations/${integrationId}/external-mappings/resolve?m3terEntity=Account&m3terId=acct-1`,
    );
    assert.equal(mapping.status, 200);
    assert.equal(mapping.body.externalId, acme.Id);
    assert.equal(mapping.body.integrationConfigId, integrationId);
  });

  it('tells its story in the Temporal Web UI: summary and details at start, a summary per QuickBooks step, current details', async () => {
    const { id: integrationId } = await h.createIntegration();
    const bill = sampleBill({ id: 'bill-web-ui' });
    assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');

    const handle = h.temporal.workflow.getHandle(`bill-sync/${integrationId}/${bill.id}`);
    const described = await handle.describe();
    assert.equal(await described.staticSummary(), `Bill ${bill.id} → QuickBooks`);
    assert.equal(
      await described.staticDetails(),
      `Bill **${bill.id}** of account **${bill.accountId}**, integration **${integrationId}**.\n\n` +
        'Started by: webhook.\n\n' +
        `[This bill's runs in the console](http://127.0.0.1/console/runs?integrationId=${integrationId}&billId=${bill.id})`,
    );

    const { events } = await handle.fetchHistory();
    const summaries = (events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => {
        const payload = e.userMetadata?.summary;
        return [
          e.activityTaskScheduledEventAttributes?.activityType?.name,
          payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined,
        ];
      });
    assert.deepEqual(summaries, [
      ['resolveCustomer', `find or create the QuickBooks customer of ${bill.accountId}`],
      ['upsertDocument', 'create Invoice for Acme Corp, 223.45 USD'],
    ]);

    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(
      metadata.currentDetails ?? '',
      /^COMPLETE: create Invoice for Acme Corp, 223\.45 USD → QuickBooks \d+$/,
    );
  });

  it('updates the same invoice when the bill is regenerated (SyncToken advances, no second invoice), and sends nothing when unchanged', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const bill = sampleBill();
    await h.sendWebhook(h.billEvent(bill));
    await h.waitForSync(integrationId, bill.id);
    const [first] = invoices(realmId);
    assert.ok(first);
    assert.equal(first.SyncToken, '0');

    const regenerated = {
      ...bill,
      version: 2,
      lineItems: [
        ...bill.lineItems,
        line({ description: 'Support', lineItemType: 'AD_HOC', quantity: 1, subtotal: 50 }),
      ],
    };
    await h.sendWebhook(h.billEvent(regenerated));
    const second = await h.waitForSync(integrationId, bill.id);
    assert.equal(second.status, 'COMPLETE');
    const all = invoices(realmId);
    assert.equal(all.length, 1);
    assert.equal(all[0]!.Id, first.Id);
    assert.equal(all[0]!.SyncToken, '1');
    assert.equal(all[0]!.TotalAmt, 273.45);

    // Same content again (a new bill version that changes nothing we send): no QuickBooks call.
    h.emulator.control.resetCounters();
    await h.sendWebhook(
      h.billEvent({ ...regenerated, version: 3, lastCalculatedDate: '2026-11-02T00:00:00Z' }),
    );
    const third = await h.waitForSync(integrationId, bill.id);
    assert.equal(third.status, 'SKIPPED');
    const counters = h.emulator.control.counters();
    assert.equal(counters.writes, 0);
    assert.equal(counters.byOperation['POST invoice update'] ?? 0, 0);
    assert.equal(invoices(realmId)[0]!.SyncToken, '1');
  });

  it('with onlySendBillOnApproval, skips a PENDING bill and sends it once approved', async () => {
    const { id: integrationId, realmId } = await h.createIntegration({ onlySendBillOnApproval: true });
    const bill = sampleBill();
    await h.sendWebhook(h.billEvent(bill));
    const pending = await h.waitForSync(integrationId, bill.id);
    assert.equal(pending.status, 'SKIPPED');
    const [skipped] = await h.runs({ integrationId, billId: bill.id });
    assert.equal(skipped!.message, 'awaiting approval: the bill is PENDING');
    assert.equal(invoices(realmId).length, 0);

    await h.sendWebhook(h.billEvent({ ...bill, version: 2, status: 'APPROVED' }));
    const approved = await h.waitForSync(integrationId, bill.id);
    assert.equal(approved.status, 'COMPLETE');
    assert.equal(invoices(realmId).length, 1);
  });

  it('starts nothing new for the same event delivered twice', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const bill = sampleBill();
    const event = h.billEvent(bill);
    const first = await h.sendWebhook(event);
    assert.equal(first.body.result, 'processed');
    await h.waitForSync(integrationId, bill.id);
    const again = await h.sendWebhook(event);
    assert.equal(again.status, 202);
    assert.equal(again.body.result, 'duplicate');
    assert.deepEqual(again.body.workflows, []);
    assert.equal((await h.runs({ integrationId, billId: bill.id })).length, 1);
    assert.equal(invoices(realmId).length, 1);
  });

  it('coalesces a burst of ten updates into one document with the newest content', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const bill = sampleBill();
    const versions = Array.from({ length: 10 }, (_, i) => ({
      ...bill,
      version: i + 1,
      lineItems: [
        line({
          description: `Platform fee v${i + 1}`,
          lineItemType: 'STANDING_CHARGE',
          quantity: 1,
          subtotal: 100 + i,
        }),
      ],
    }));
    await Promise.all(versions.map((v) => h.sendWebhook(h.billEvent(v))));
    await h.waitForSync(integrationId, bill.id);
    // A webhook may land just after a run closed and start one more: wait for whatever is last.
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status === 'COMPLETE' || result.status === 'SKIPPED', true);
    const all = invoices(realmId);
    assert.equal(all.length, 1);
    assert.equal(all[0]!.TotalAmt, 109);
    const runs = await h.runs({ integrationId, billId: bill.id });
    assert.ok(runs.length < 10, `coalesced into ${runs.length} runs`);
  });

  it('makes a credit memo of a net-negative bill', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    const bill = sampleBill({
      lineItems: [
        line({ description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 40 }),
        line({ description: 'Goodwill credit', lineItemType: 'CREDIT_MEMO', quantity: 1, subtotal: -100 }),
      ],
    });
    await h.sendWebhook(h.billEvent(bill));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    assert.equal(invoices(realmId).length, 0);
    const [memo] = creditMemos(realmId);
    assert.ok(memo);
    assert.equal(memo.TotalAmt, 60);
    const [run] = await h.runs({ integrationId, billId: bill.id });
    assert.equal(run!.externalType, 'CreditMemo');
  });

  it('creates exactly one document when QuickBooks commits the create and then drops the connection', async () => {
    const { id: integrationId, realmId } = await h.createIntegration();
    h.emulator.control.enqueueFaults([
      { action: { type: 'commit-then-drop' }, match: { realmId, entity: 'invoice', operation: 'create' } },
    ]);
    const bill = sampleBill();
    await h.sendWebhook(h.billEvent(bill));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    assert.equal(invoices(realmId).length, 1);
    const link = await getBillDocument(h.database.db, integrationId, bill.id);
    assert.equal(link?.externalId, invoices(realmId)[0]!.Id);
  });

  it('sends a stored bill on demand (POST …/sync) and previews the exact payload without writing', async () => {
    const { id: integrationId, realmId } = await h.createIntegration({ onlySendBillOnApproval: false });
    const other = await h.createIntegration();
    const bill = sampleBill();
    await h.sendWebhook(h.billEvent(bill));
    await h.waitForSync(integrationId, bill.id);
    await h.waitForSync(other.id, bill.id);

    h.emulator.control.resetCounters();
    const preview = await h.api.request<{
      wouldSend: boolean;
      documentType: string;
      unchanged: boolean;
      payload: { Line: unknown[]; TxnDate: string };
    }>('GET', `/integrations/${integrationId}/bills/${bill.id}/preview`);
    assert.equal(preview.status, 200);
    assert.equal(preview.body.wouldSend, true);
    assert.equal(preview.body.documentType, 'Invoice');
    assert.equal(preview.body.unchanged, true);
    assert.equal(preview.body.payload.TxnDate, '2026-11-01');
    assert.equal(preview.body.payload.Line.length, 2);
    assert.equal(h.emulator.control.counters().writes, 0, 'a preview writes nothing to QuickBooks');

    const sync = await h.api.request<{ runId: string; workflowId: string }>(
      'POST',
      `/integrations/${integrationId}/bills/${bill.id}/sync`,
    );
    assert.equal(sync.status, 202);
    assert.equal(sync.body.workflowId, `bill-sync/${integrationId}/${bill.id}`);
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'SKIPPED', 'unchanged content: nothing sent');
    assert.equal(result.runId, sync.body.runId, 'the run "send now" answered with is the one that ran');
    const runs = await h.runs({ integrationId, billId: bill.id });
    assert.equal(runs.length, 2);
    assert.equal(runs[0]!.trigger, 'manual');
    assert.equal(runs[0]!.id, sync.body.runId);
    assert.equal(h.emulator.control.documents(realmId).Invoice.length, 1);

    assert.equal(
      (await h.api.request('POST', `/integrations/${integrationId}/bills/no-such-bill/sync`)).status,
      404,
    );
    assert.equal(
      (
        await h.api.request(
          'GET',
          `/integrations/00000000-0000-4000-8000-000000000000/bills/${bill.id}/preview`,
        )
      ).status,
      404,
    );
  });

  it('rejects a bad signature with 401 and starts nothing', async () => {
    const { id: integrationId } = await h.createIntegration();
    const bill = sampleBill();
    const res = await h.sendWebhook(h.billEvent(bill), { secret: 'wrong-secret-0123456789abcdef' });
    assert.equal(res.status, 401);
    assert.equal((res.body as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    const stale = await h.sendWebhook(h.billEvent(bill), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    assert.equal(stale.status, 401);
    const { rows } = await h.database.db.query('SELECT 1 FROM bills WHERE id = $1', [bill.id]);
    assert.equal(rows.length, 0);
    await assert.rejects(
      h.temporal.workflow.getHandle(`bill-sync/${integrationId}/${bill.id}`).describe(),
      /not found/i,
    );
  });
});

describe('bill sync when the worker stops mid-sync', function () {
  this.timeout(120_000);
  let h: SyncHarness;
  before(async () => {
    h = await startSyncHarness({ workers: 0 });
    await h.putAccount(ACME_ACCOUNT);
  });
  after(async () => h?.stop());

  it('still leaves exactly one document after the worker is stopped during the create and another takes over', async () => {
    await h.startWorker({ shutdownGraceTime: '100ms' });
    const { id: integrationId, realmId } = await h.createIntegration();
    // The create is slow: the worker stops while QuickBooks is still working on it (and commits it).
    h.emulator.control.enqueueFaults([
      { action: { type: 'latency', ms: 3000 }, match: { realmId, entity: 'invoice', operation: 'create' } },
    ]);
    const bill = sampleBill();
    await h.sendWebhook(h.billEvent(bill));
    const deadline = Date.now() + 30_000;
    while (!(await getBillDocument(h.database.db, integrationId, bill.id))) {
      if (Date.now() > deadline) assert.fail('the create was never sent');
      await new Promise((r) => setTimeout(r, 50));
    }
    await h.stopWorkers();
    await h.startWorker();
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const invoices = h.emulator.control.documents(realmId).Invoice;
    assert.equal(invoices.length, 1);
    const link = await getBillDocument(h.database.db, integrationId, bill.id);
    assert.equal(link?.state, 'synced');
    assert.equal(link?.externalId, (invoices[0] as { Id: string }).Id);
  });
});
