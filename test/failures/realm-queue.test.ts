import assert from 'node:assert/strict';
import { billSyncWorkflowId } from '../../src/domain/ids';
import { SHORT_QUICKBOOKS_RETRY } from '../support/short-retries.workflow-interceptor';
import { sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { getIntegrationApi, invoicesOfBill, newAccount, scopedIntegration, watchStatuses } from './helpers';

/**
 * A month-end burst on one QuickBooks company: the governor admits 2 requests per second and gives up
 * after 600 ms, so most bills of the burst meet a busy realm, several times. Waiting is not failing: the workflow waits on
 * a timer, no QuickBooks attempt is used (the retry policy here allows only 2), and nothing is announced to
 * QuickBooks that was not sent.
 */
describe('failures: a busy QuickBooks company queues bills instead of failing them', function () {
  this.timeout(120_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness({
      governor: { requestsPerMinute: 120, burst: 2, concurrency: 2, maxWaitMs: 600 },
      shortQuickBooksRetries: true,
      // One request per write: the batch path has its own suite (batch-writes.test.ts).
      batchWrites: false,
    });
  });
  after(async () => h?.stop());

  it('brings a burst of bills to COMPLETE through RATE_LIMIT_RETRY, using no retry attempt while waiting', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    // The account's first bill maps the customer; the burst after it costs one create per bill.
    const first = sampleBill({ accountId: account.id, id: `${account.id}-first` });
    await h.sendWebhook(h.billEvent(first));
    assert.equal((await h.waitForSync(integrationId, first.id)).status, 'COMPLETE');

    const bills = Array.from({ length: 10 }, (_, i) =>
      sampleBill({ accountId: account.id, id: `${account.id}-burst-${i}` }),
    );
    for (const bill of bills) await h.putBill(bill);
    h.emulator.control.resetCounters();
    await Promise.all(
      bills.map((bill) =>
        h.syncs.requestBillSync({
          integrationId,
          billId: bill.id,
          accountId: bill.accountId,
          trigger: 'manual',
        }),
      ),
    );
    const handles = bills.map((bill) =>
      h.temporal.workflow.getHandle(billSyncWorkflowId(integrationId, bill.id)),
    );
    const [results, statuses] = await Promise.all([
      Promise.all(handles.map((handle) => handle.result())),
      Promise.all(bills.map((bill, i) => watchStatuses(h, integrationId, bill.id, handles[i]!.result()))),
    ]);

    assert.deepEqual(
      results.map((r) => r.status),
      bills.map(() => 'COMPLETE'),
    );
    const waited = statuses.filter((seen) => seen.includes('RATE_LIMIT_RETRY')).length;
    assert.ok(waited >= bills.length / 2, statuses.map((seen) => seen.join(' → ')).join('\n'));
    for (const bill of bills) assert.equal(invoicesOfBill(h, realmId, bill.id).length, 1, bill.id);

    // One QuickBooks request per bill: no 429, and no marker query for a create that never went out.
    const counters = h.emulator.control.counters();
    assert.equal(counters.throttled, 0);
    assert.equal(counters.api, bills.length, JSON.stringify(counters.byOperation));
    assert.equal(counters.byOperation['POST invoice create'], bills.length);
    assert.equal((await getIntegrationApi(h, integrationId)).consecutiveFailures, 0);

    // The queueing is durable timers in the workflows, and no activity went past its 2 attempts.
    let timers = 0;
    for (const handle of handles) {
      const { events } = await handle.fetchHistory();
      timers += events!.filter((e) => e.timerStartedEventAttributes).length;
      // The account's customer was known to the worker (a local step): only the create went to QuickBooks.
      const scheduled = new Set(
        events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean),
      );
      assert.deepEqual([...scheduled], ['upsertDocument']);
      for (const e of events!) {
        const attempt = e.activityTaskStartedEventAttributes?.attempt;
        if (attempt !== undefined && attempt !== null)
          assert.ok(attempt <= SHORT_QUICKBOOKS_RETRY.maximumAttempts, `attempt ${attempt}`);
      }
    }
    assert.ok(timers >= waited, `${timers} timers for ${waited} bills that waited`);
  });
});
