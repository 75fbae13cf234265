import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  getIntegrationApi,
  getRunApi,
  invoicesOf,
  invoicesOfBill,
  listEventsApi,
  mapAccount,
  newAccount,
  regenerated,
  scopedIntegration,
  seededCustomer,
  type EventBody,
  type RunBody,
} from './helpers';

/**
 * Permanent failures end the run at once (no retry) with their status, QuickBooks' own facts in the run's
 * error, and an integration event an operator can act on, list with filters and mark actioned.
 */
describe('failures: permanent errors, events, paid and deleted documents', function () {
  this.timeout(60_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
  });
  after(async () => h?.stop());

  /** A bill of a new account synced to a new realm: its one invoice. */
  const syncedInvoice = async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    const bill = sampleBill({ accountId: account.id });
    await h.sendWebhook(h.billEvent(bill));
    assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
    const [invoice, ...more] = invoicesOf(h, realmId);
    assert.ok(invoice && more.length === 0);
    return { integrationId, realmId, bill, invoice };
  };

  it('ends a duplicate DocNumber (QBO 6140) in ERROR after a single attempt, with code, element, detail and intuit_tid on the run', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    const docNumber = `INV-${randomUUID().slice(0, 6)}`;
    const first = sampleBill({ accountId: account.id, sequentialInvoiceNumber: docNumber });
    await h.sendWebhook(h.billEvent(first));
    assert.equal((await h.waitForSync(integrationId, first.id)).status, 'COMPLETE');
    const [existing] = invoicesOf(h, realmId);
    assert.equal(existing?.DocNumber, docNumber);

    h.emulator.control.resetCounters();
    const second = sampleBill({ accountId: account.id, sequentialInvoiceNumber: docNumber });
    await h.sendWebhook(h.billEvent(second));
    const result = await h.waitForSync(integrationId, second.id);
    assert.equal(result.status, 'ERROR');
    assert.equal(h.emulator.control.counters().byOperation['POST invoice create'], 1, 'not retried');
    assert.equal(invoicesOf(h, realmId).length, 1);

    const run = await getRunApi(h, result.runId);
    assert.equal(run.status, 'ERROR');
    assert.ok(run.completedAt);
    const error = run.error!;
    assert.equal(error.code, 'QBO_VALIDATION');
    assert.equal(error.quickBooks?.kind, 'fault');
    assert.equal(error.quickBooks?.httpStatus, 400);
    assert.equal(error.quickBooks?.code, '6140');
    assert.equal(error.quickBooks?.element, 'DocNumber');
    assert.match(
      error.quickBooks?.detail ?? '',
      new RegExp(`DocNumber=${docNumber} is assigned to TxnType=Invoice with TxnId=${existing.Id}`),
    );
    assert.match(error.quickBooks?.intuitTid ?? '', /^1-[0-9a-f]+-[0-9a-f]{24}$/);
    assert.match(run.message ?? '', /Duplicate Document Number Error/);

    const events = await listEventsApi(h, { integrationId });
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event!.eventType, 'integration.validation.error');
    assert.equal(event!.runId, run.id);
    assert.equal(event!.billId, second.id);
    assert.equal(event!.actioned, false);
    assert.match(
      event!.message,
      new RegExp(
        `^Bill ${second.id}: Duplicate Document Number Error.*Correct the data or settings named above, then replay the run\\.$`,
      ),
    );
    assert.deepEqual(event!.details, { code: 'QBO_VALIDATION', quickBooks: error.quickBooks });
    assert.equal((await getIntegrationApi(h, integrationId)).consecutiveFailures, 1);
  });

  it('raises integration.missingaccountmapping.error without calling QuickBooks for a document, and a replay after mapping the account completes', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id], {
      useExternalMappingAccountCode: true,
    });
    const bill = sampleBill({ accountId: account.id });
    h.emulator.control.resetCounters();
    await h.sendWebhook(h.billEvent(bill));
    const failed = await h.waitForSync(integrationId, bill.id);
    assert.equal(failed.status, 'ERROR');
    const counters = h.emulator.control.counters();
    assert.equal(counters.writes, 0, 'no customer or invoice created');
    const failedRun = await getRunApi(h, failed.runId);
    assert.equal(failedRun.error?.code, 'MISSING_ACCOUNT_MAPPING');
    assert.equal(
      failedRun.message,
      `No QuickBooks customer is mapped to m3ter account ${account.id} (${account.name})`,
    );

    const [event] = await listEventsApi(h, {
      integrationId,
      eventType: 'integration.missingaccountmapping.error',
    });
    assert.ok(event);
    assert.equal(event.runId, failedRun.id);
    assert.equal(
      event.message,
      `Bill ${bill.id}: No QuickBooks customer is mapped to m3ter account ${account.id} (${account.name}). Create an Account → Customer external mapping, then replay the run.`,
    );

    // Fix the cause: map the account to an existing QuickBooks customer, then replay the run.
    const customer = seededCustomer(h, realmId, 'Cool Cars');
    await mapAccount(h, account.id, customer.Id);
    const replay = await h.api.request<{
      runId: string;
      replayedFromRunId: string;
      billId: string;
      workflowId: string;
    }>('POST', `/integration-runs/${failedRun.id}/replay`);
    assert.equal(replay.status, 202, replay.text);
    assert.deepEqual(replay.body, {
      runId: replay.body.runId,
      replayedFromRunId: failedRun.id,
      billId: bill.id,
      workflowId: `bill-sync/${integrationId}/${bill.id}`,
    });
    // The answer names the new run: it exists at once (WAITING until the workflow takes it up).
    assert.ok(['WAITING', 'STARTED', 'COMPLETE'].includes((await getRunApi(h, replay.body.runId)).status));
    const replayed = await h.waitForSync(integrationId, bill.id);
    assert.equal(replayed.status, 'COMPLETE');
    assert.equal(replayed.runId, replay.body.runId, 'the run the replay answered with is the one that ran');
    const replayRun = await getRunApi(h, replayed.runId);
    assert.equal(replayRun.replayedFromRunId, failedRun.id);
    assert.equal(replayRun.trigger, 'replay');
    const [invoice, ...more] = invoicesOfBill(h, realmId, bill.id);
    assert.ok(invoice);
    assert.equal(more.length, 0);
    assert.equal((invoice.CustomerRef as { value: string }).value, customer.Id);
    assert.equal(replayRun.externalId, invoice.Id);
    // The failed run stays as it was: the replay is a new run.
    assert.equal((await getRunApi(h, failedRun.id)).status, 'ERROR');
    assert.equal(
      (await getIntegrationApi(h, integrationId)).consecutiveFailures,
      0,
      'the success reset the count',
    );
  });

  it('lists events with filters and marks them actioned (and back) through the API', async () => {
    const account = await newAccount(h);
    const { id: integrationId } = await scopedIntegration(h, [account.id], {
      useExternalMappingAccountCode: true,
    });
    const other = await scopedIntegration(h, [account.id], { useExternalMappingAccountCode: true });
    const before = new Date().toISOString();
    const bills = [sampleBill({ accountId: account.id }), sampleBill({ accountId: account.id })];
    for (const bill of bills) {
      await h.sendWebhook(h.billEvent(bill));
      await h.waitForSync(integrationId, bill.id);
      await h.waitForSync(other.id, bill.id);
    }
    const mine = await listEventsApi(h, { integrationId });
    assert.deepEqual(
      mine.map((e) => [e.eventType, e.billId]),
      [
        ['integration.missingaccountmapping.error', bills[1]!.id],
        ['integration.missingaccountmapping.error', bills[0]!.id],
      ],
      'newest first, only this integration',
    );
    assert.equal(
      (await listEventsApi(h, { integrationId, eventType: 'integration.validation.error' })).length,
      0,
    );
    assert.equal((await listEventsApi(h, { integrationId, limit: '1' })).length, 1);
    assert.deepEqual(
      (await listEventsApi(h, { integrationId, limit: '1', offset: '1' })).map((e) => e.id),
      [mine[1]!.id],
    );
    assert.equal((await listEventsApi(h, { integrationId, from: before })).length, 2);
    assert.equal((await listEventsApi(h, { integrationId, to: before })).length, 0);

    const target = mine[1]!;
    const actioned = await h.api.request<EventBody>('POST', `/integration-events/${target.id}/action`);
    assert.equal(actioned.status, 200, actioned.text);
    assert.equal(actioned.body.actioned, true);
    assert.ok(actioned.body.actionedAt);
    assert.deepEqual(
      (await listEventsApi(h, { integrationId, actioned: 'false' })).map((e) => e.id),
      [mine[0]!.id],
    );
    assert.deepEqual(
      (await listEventsApi(h, { integrationId, actioned: 'true' })).map((e) => e.id),
      [target.id],
    );
    const got = await h.api.request<EventBody>('GET', `/integration-events/${target.id}`);
    assert.equal(got.body.actioned, true);
    assert.equal(got.body.actionedAt, actioned.body.actionedAt);
    const undone = await h.api.request<EventBody>('POST', `/integration-events/${target.id}/action`, {
      actioned: false,
    });
    assert.equal(undone.body.actioned, false);
    assert.equal(undone.body.actionedAt, null);

    assert.equal((await h.api.request('POST', `/integration-events/${randomUUID()}/action`)).status, 404);
    assert.equal((await h.api.request('GET', '/integration-events?eventType=integration.nope')).status, 400);
    assert.equal((await h.api.request('GET', '/integration-events?actioned=maybe')).status, 400);
  });

  it('does not modify a paid invoice when the bill is regenerated: INVOICE_ALREADY_PAID, not counted as a failure', async () => {
    const { integrationId, realmId, bill, invoice } = await syncedInvoice();
    const paid = h.emulator.control.applyPayment(realmId, 'Invoice', invoice.Id, 50);
    assert.equal(paid.Balance, 173.45);

    h.emulator.control.resetCounters();
    await h.sendWebhook(h.billEvent(regenerated(bill)));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'INVOICE_ALREADY_PAID');
    assert.equal(h.emulator.control.counters().writes, 0);
    const [after, ...more] = invoicesOf(h, realmId);
    assert.equal(more.length, 0);
    assert.equal(after!.SyncToken, paid.SyncToken);
    assert.equal(after!.TotalAmt, 223.45);
    assert.equal(after!.Balance, 173.45);

    const run = await getRunApi(h, result.runId);
    assert.equal(run.error?.code, 'INVOICE_ALREADY_PAID');
    assert.equal(
      run.message,
      `Invoice ${invoice.Id} is paid or partly paid in QuickBooks (total 223.45, open 173.45); it was not modified`,
    );
    const events = await listEventsApi(h, { integrationId });
    assert.deepEqual(
      events.map((e) => [e.eventType, e.runId]),
      [['integration.perform.error', run.id]],
    );
    assert.equal((await getIntegrationApi(h, integrationId)).consecutiveFailures, 0);
  });

  it('does not retry a change in a closed accounting period (QBO 6210): ACCOUNTING_PERIOD_CLOSED, not counted as a failure', async () => {
    const { integrationId, realmId, bill, invoice } = await syncedInvoice();
    h.emulator.control.updateRealm(realmId, { bookCloseDate: '2026-11-30' });
    h.emulator.control.resetCounters();
    await h.sendWebhook(h.billEvent(regenerated(bill)));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'ACCOUNTING_PERIOD_CLOSED');
    assert.equal(h.emulator.control.counters().byOperation['POST invoice update'], 1, 'not retried');
    assert.equal(invoicesOf(h, realmId)[0]!.SyncToken, invoice.SyncToken);

    const run = await getRunApi(h, result.runId);
    assert.equal(run.error?.code, 'ACCOUNTING_PERIOD_CLOSED');
    assert.equal(run.error?.quickBooks?.code, '6210');
    assert.equal(run.error?.quickBooks?.element, 'TxnDate');
    const events = await listEventsApi(h, { integrationId });
    assert.deepEqual(
      events.map((e) => [e.eventType, e.runId]),
      [['integration.perform.error', run.id]],
    );
    assert.equal((await getIntegrationApi(h, integrationId)).consecutiveFailures, 0);
  });

  it('recreates a document deleted in QuickBooks, with a warning on the run', async () => {
    const { integrationId, realmId, bill, invoice } = await syncedInvoice();
    // Someone deletes the invoice in QuickBooks.
    const client = new QuickBooksClient({
      realmId,
      accessToken: h.emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: h.emulator.v3BaseUrl,
    });
    await client.deleteDocument('Invoice', invoice, { requestId: randomUUID() });
    assert.equal(invoicesOf(h, realmId).length, 0);

    await h.sendWebhook(h.billEvent(regenerated(bill)));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const [recreated, ...more] = invoicesOfBill(h, realmId, bill.id);
    assert.equal(more.length, 0);
    assert.notEqual(recreated!.Id, invoice.Id);
    assert.equal(recreated!.TotalAmt, 273.45);
    const run: RunBody = await getRunApi(h, result.runId);
    assert.equal(run.externalId, recreated!.Id);
    assert.equal(run.warnings.at(-1), `Invoice ${invoice.Id} was deleted in QuickBooks; created it again`);
    assert.equal(run.warnings.filter((w) => /deleted/.test(w)).length, 1);
    assert.deepEqual(
      (await h.runs({ integrationId, billId: bill.id })).map((r) => r.status),
      ['COMPLETE', 'COMPLETE'],
    );
  });
});
