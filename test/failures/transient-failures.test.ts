import assert from 'node:assert/strict';
import type { FaultAction } from '../../emulators/quickbooks/types';
import { findCredential, readCredentialTokens } from '../../src/db/repositories/credentials';
import type { Bill } from '../../src/domain/m3ter';
import type { BillSyncResult } from '../../src/workflows/bill-sync.workflow';
import { describeFailure, toApplicationFailure } from '../../src/activities/failure-edge';
import { classifyFailure, exhaustedStatus } from '../../src/domain/sync-failure';
import { billSyncWorkflowId } from '../../src/domain/ids';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { sampleBill } from '../support/bills';
import { SHORT_QUICKBOOKS_RETRY } from '../support/short-retries.workflow-interceptor';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import {
  getIntegrationApi,
  getRunApi,
  invoicesOf,
  listEventsApi,
  newAccount,
  onlyRun,
  scopedIntegration,
  watchStatuses,
} from './helpers';

/**
 * Transient QuickBooks trouble (5xx, 429, dropped connections, an expired access token) is retried inside
 * the workflow until the bill is COMPLETE; a refresh QuickBooks refuses ends in AUTH_FAILED; retries that
 * run out end the run in ERROR. All on the Temporal dev server against the emulator's fault injection.
 */
describe('failures: transient QuickBooks errors are retried', function () {
  this.timeout(90_000);
  let h: SyncHarness;

  before(async () => {
    // QuickBooks steps retry every 100–500 ms and give up after 2 attempts (production: 2 s–1 min, 8).
    h = await startSyncHarness({ shortQuickBooksRetries: true });
  });
  after(async () => h?.stop());

  /** Stores the bill and asks for its sync the way the product does (signal-with-start). */
  const syncStored = async (
    integrationId: string,
    bill: Bill,
  ): Promise<{ result: Promise<BillSyncResult> }> => {
    await h.putBill(bill);
    await h.syncs.requestBillSync({
      integrationId,
      billId: bill.id,
      accountId: bill.accountId,
      trigger: 'manual',
    });
    return { result: h.waitForSync(integrationId, bill.id) };
  };

  it('retries 500, 503 and a dropped connection to COMPLETE, showing AWAITING_RETRY meanwhile', async () => {
    // One realm per fault, all synced at the same time.
    const faults: Array<{ action: FaultAction; entity: string; operation: string }> = [
      { action: { type: 'status', status: 500 }, entity: 'invoice', operation: 'create' },
      { action: { type: 'status', status: 503 }, entity: 'preferences', operation: 'read' },
      { action: { type: 'drop' }, entity: 'invoice', operation: 'create' },
    ];
    const cases = await Promise.all(
      faults.map(async (fault) => {
        const account = await newAccount(h);
        const integration = await scopedIntegration(h, [account.id]);
        return { fault, integration, bill: sampleBill({ accountId: account.id }) };
      }),
    );
    h.emulator.control.resetCounters();
    h.emulator.control.enqueueFaults(
      cases.map(({ fault: { action, entity, operation }, integration: { realmId } }) => ({
        action,
        match: { realmId, entity, operation },
      })),
    );
    for (const { bill } of cases) assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    const watched = await Promise.all(
      cases.map(({ integration, bill }) => {
        const result = h.waitForSync(integration.id, bill.id);
        return Promise.all([result, watchStatuses(h, integration.id, bill.id, result)]);
      }),
    );

    for (const [i, [result, statuses]] of watched.entries()) {
      assert.equal(result.status, 'COMPLETE', `case ${i}`);
      assert.equal(result.passes, 1);
      assert.equal(statuses.at(-1), 'COMPLETE');
      assert.ok(statuses.includes('AWAITING_RETRY'), `case ${i}: ${statuses.join(' → ')}`);
      assert.ok(!statuses.includes('RATE_LIMIT_RETRY'), `case ${i}: ${statuses.join(' → ')}`);
    }

    // Every injected fault was met once, and each bill has exactly one invoice.
    const counters = h.emulator.control.counters();
    assert.equal(counters.byStatus['500'], 1);
    assert.equal(counters.byStatus['503'], 1);
    assert.equal(counters.dropped, 1);
    assert.deepEqual(h.emulator.control.faults().queue, []);
    for (const { integration, bill } of cases) {
      const docs = invoicesOf(h, integration.realmId);
      assert.equal(docs.length, 1);
      const run = await getRunApi(h, (await onlyRun(h, integration.id, bill.id)).id);
      assert.equal(run.status, 'COMPLETE');
      assert.equal(run.externalId, docs[0]!.Id);
      assert.equal(run.error, null, 'the transient error is cleared once the run completes');
      assert.equal(run.message, null);
      assert.ok(run.completedAt);
      // Nothing for an operator to do: transient trouble records no event.
      assert.deepEqual(await listEventsApi(h, { integrationId: integration.id }), []);
      assert.equal((await getIntegrationApi(h, integration.id)).consecutiveFailures, 0);
    }
  });

  it("waits out QuickBooks' own 429 on a durable timer, using no retry attempt, showing RATE_LIMIT_RETRY, then completes", async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    h.emulator.control.resetCounters();
    // Two 429s in a row: more than the 2 attempts the short retry policy allows, had they counted.
    h.emulator.control.enqueueFaults([
      {
        action: { type: 'status', status: 429 },
        match: { realmId, entity: 'invoice', operation: 'create' },
        count: 2,
      },
    ]);
    const bill = sampleBill({ accountId: account.id });
    const { result } = await syncStored(integrationId, bill);
    const statuses = await watchStatuses(h, integrationId, bill.id, result);
    assert.equal((await result).status, 'COMPLETE');
    assert.deepEqual(statuses.slice(-2), ['RATE_LIMIT_RETRY', 'COMPLETE'], statuses.join(' → '));
    assert.ok(!statuses.includes('AWAITING_RETRY'), statuses.join(' → '));
    const counters = h.emulator.control.counters();
    assert.equal(counters.throttled, 2);
    assert.equal(counters.byOperation['POST invoice create'], 3);
    assert.equal(invoicesOf(h, realmId).length, 1);
    const run = await getRunApi(h, (await onlyRun(h, integrationId, bill.id)).id);
    assert.equal(run.status, 'COMPLETE');
    assert.equal(run.error, null);

    // In the workflow's history: each upsert ran once (attempt 1) and the waits were timers (300 ms here).
    const events =
      (await h.temporal.workflow.getHandle(billSyncWorkflowId(integrationId, bill.id)).fetchHistory())
        .events ?? [];
    const upserts = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'upsertDocument',
    );
    assert.equal(upserts.length, 3);
    const attempts = events.flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : [],
    );
    assert.ok(attempts.length > 0 && attempts.every((a) => a === 1), `attempts ${attempts.join(',')}`);
    const timers = events.flatMap((e) =>
      e.timerStartedEventAttributes ? [e.timerStartedEventAttributes] : [],
    );
    assert.equal(timers.length, 2);
  });

  it('refreshes an expired access token once and retries the call', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    assert.equal(h.emulator.control.expireAccessTokens(realmId), 1);
    h.emulator.control.resetCounters();
    const bill = sampleBill({ accountId: account.id });
    await h.sendWebhook(h.billEvent(bill));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const counters = h.emulator.control.counters();
    assert.equal(counters.byOperation['POST oauth refresh_token'], 1);
    assert.equal(counters.byStatus['401'], 1);
    assert.equal(invoicesOf(h, realmId).length, 1);
  });

  it('ends in AUTH_FAILED with an authentication event, without retrying, when QuickBooks refuses the refresh', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId, credentialId } = await scopedIntegration(h, [account.id]);
    const tokens = await readCredentialTokens(h.database.db, h.secretBox, credentialId!);
    assert.ok(tokens);
    assert.equal(h.emulator.control.revokeToken(tokens.refreshToken), true); // the company disconnected the app
    h.emulator.control.resetCounters();
    const bill = sampleBill({ accountId: account.id });
    await h.sendWebhook(h.billEvent(bill));
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'AUTH_FAILED');

    const run = await getRunApi(h, result.runId);
    assert.equal(run.status, 'AUTH_FAILED');
    assert.equal(run.error?.code, 'AUTH_FAILED');
    assert.match(run.message ?? '', /refresh token/i);
    const counters = h.emulator.control.counters();
    assert.equal(counters.byOperation['POST oauth refresh_token'], 1, 'one refresh, not retried');
    assert.equal(counters.writes, 0);
    assert.equal(invoicesOf(h, realmId).length, 0);
    assert.equal((await findCredential(h.database.db, credentialId!))?.status, 'EXPIRED');
    const events = await listEventsApi(h, { integrationId });
    assert.deepEqual(
      events.map((e) => [e.eventType, e.runId, e.billId]),
      [['integration.authentication.error', run.id, bill.id]],
    );
    assert.match(events[0]!.message, /Reconnect the QuickBooks credential, then replay the run/);
    assert.equal((await getIntegrationApi(h, integrationId)).consecutiveFailures, 1);
  });

  it('ends in ERROR with a perform event when the retries run out (2 attempts here), counting towards auto-disable', async () => {
    const account = await newAccount(h);
    const { id: integrationId, realmId } = await scopedIntegration(h, [account.id]);
    h.emulator.control.resetCounters();
    h.emulator.control.enqueueFaults([
      {
        action: { type: 'status', status: 503 },
        match: { realmId, entity: 'invoice', operation: 'create' },
        count: SHORT_QUICKBOOKS_RETRY.maximumAttempts,
      },
    ]);
    const result = await (await syncStored(integrationId, sampleBill({ accountId: account.id }))).result;
    assert.equal(result.status, 'ERROR');

    const run = await getRunApi(h, result.runId);
    assert.equal(run.error?.code, 'QBO_UNAVAILABLE');
    assert.equal(run.error?.quickBooks?.httpStatus, 503);
    assert.equal(
      h.emulator.control.counters().byOperation['POST invoice create'],
      SHORT_QUICKBOOKS_RETRY.maximumAttempts,
      'every attempt the policy allows, no more',
    );
    assert.equal(invoicesOf(h, realmId).length, 0);
    const events = await listEventsApi(h, { integrationId });
    assert.deepEqual(
      events.map((e) => [e.eventType, e.runId]),
      [['integration.perform.error', run.id]],
    );
    const integration = await getIntegrationApi(h, integrationId);
    assert.equal(integration.consecutiveFailures, 1);
    assert.equal(integration.enabled, true);
  });

  it('reads latency beyond the client timeout as QBO_TIMEOUT: retried, and TIMEOUT_LIMIT_EXCEEDED once retries run out', async () => {
    // The worker's client waits 30 s; a client with a short timeout shows the same edge quickly.
    const realmId = h.emulator.control.createRealm().realmId;
    const client = new QuickBooksClient({
      realmId,
      accessToken: h.emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: h.emulator.v3BaseUrl,
      timeoutMs: 200,
    });
    h.emulator.control.enqueueFaults([
      { action: { type: 'latency', ms: 1_000 }, match: { realmId, entity: 'preferences' } },
    ]);
    const err = await client.getPreferences().then(
      () => assert.fail('expected a timeout'),
      (e: unknown) => e,
    );
    const failure = describeFailure(err);
    assert.equal(failure.code, 'QBO_TIMEOUT');
    assert.equal(failure.quickBooks?.kind, 'timeout');
    assert.deepEqual(classifyFailure(failure), { retryable: true, runStatus: 'AWAITING_RETRY' });
    assert.equal(exhaustedStatus(failure).runStatus, 'TIMEOUT_LIMIT_EXCEEDED');
    const edge = toApplicationFailure(err);
    assert.deepEqual([edge.type, edge.nonRetryable], ['QBO_TIMEOUT', false]);
  });
});
