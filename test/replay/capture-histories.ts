/**
 * Records the histories the replay test checks the workflow code against, one per scenario (SCENARIOS).
 * Run it after an intended change to the workflow — once the change is behind a Temporal patch
 * (`patched()`), or when no workflow of the old code can still be running — then commit the files:
 *
 *   npm run capture-histories
 *
 * Histories of earlier versions stay: bump HISTORY_VERSION so their files are kept and keep replaying.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startSharedEnvironment, stopSharedEnvironment } from '../support/environment';
import { ACME_ACCOUNT, line, sampleBill } from '../support/bills';
import { startSyncHarness } from '../support/sync-harness';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
/** Prefix of the files this run writes. */
export const HISTORY_VERSION = 'v1';
/** What every version's histories cover; the replay test fails when one is missing. */
export const SCENARIOS = ['create', 'update', 'retry', 'realm-queue', 'requested-run', 'failure'] as const;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  mkdirSync(HISTORIES_DIR, { recursive: true });
  await startSharedEnvironment();
  // Limits low enough that a small burst meets a busy realm (the workflow's timer-based queueing).
  const h = await startSyncHarness({
    governor: { requestsPerMinute: 120, burst: 2, concurrency: 2, maxWaitMs: 600 },
  });
  const workflowId = (integrationId: string, billId: string) => `bill-sync/${integrationId}/${billId}`;
  const write = async (scenario: (typeof SCENARIOS)[number], id: string, runId?: string) => {
    const history = await h.temporal.workflow.getHandle(id, runId).fetchHistory();
    const file = `${HISTORY_VERSION}-bill-sync-${scenario}.json`;
    writeFileSync(path.join(HISTORIES_DIR, file), historyToJSON(history));
    console.log(`wrote ${file} (${history.events?.length} events)`);
  };
  try {
    await h.putAccount(ACME_ACCOUNT);
    const { id: integrationId } = await h.createIntegration();

    // The account's first bill: the customer is resolved in QuickBooks (not yet known to the worker).
    const bill = sampleBill({ id: 'bill-history-1' });
    await h.sendWebhook(h.billEvent(bill));
    await h.waitForSync(integrationId, bill.id);
    const { runId: createRunId } = await h.temporal.workflow
      .getHandle(workflowId(integrationId, bill.id))
      .describe();
    await write('create', workflowId(integrationId, bill.id), createRunId);

    // A regenerated bill: a second workflow run that updates the document.
    await h.sendWebhook(
      h.billEvent({
        ...bill,
        version: 2,
        lineItems: [
          ...bill.lineItems,
          line({ description: 'Support', lineItemType: 'AD_HOC', quantity: 1, subtotal: 50 }),
        ],
      }),
    );
    await h.waitForSync(integrationId, bill.id);
    await write('update', workflowId(integrationId, bill.id));

    // A QuickBooks 500 on the create, retried to COMPLETE.
    const retried = sampleBill({ id: 'bill-history-retry' });
    h.emulator.control.enqueueFaults([
      { action: { type: 'status', status: 500 }, match: { entity: 'invoice', operation: 'create' } },
    ]);
    await h.sendWebhook(h.billEvent(retried));
    await h.waitForSync(integrationId, retried.id);
    await write('retry', workflowId(integrationId, retried.id));

    // A burst on one realm: some bills wait for the realm on a timer.
    const burst = Array.from({ length: 6 }, (_, i) => sampleBill({ id: `bill-history-burst-${i}` }));
    await Promise.all(burst.map((b) => h.sendWebhook(h.billEvent(b))));
    await Promise.all(burst.map((b) => h.waitForSync(integrationId, b.id)));
    let queued = false;
    for (const b of burst) {
      const history = await h.temporal.workflow.getHandle(workflowId(integrationId, b.id)).fetchHistory();
      if (!history.events?.some((e) => e.timerStartedEventAttributes)) continue;
      await write('realm-queue', workflowId(integrationId, b.id));
      queued = true;
      break;
    }
    if (!queued) throw new Error('no bill of the burst waited for the realm: raise the burst');

    // Send now: a run requested over the API (WAITING) that the workflow takes over.
    const manual = sampleBill({ id: 'bill-history-manual' });
    await h.putBill(manual);
    const sent = await h.api.request('POST', `/integrations/${integrationId}/bills/${manual.id}/sync`);
    if (sent.status !== 202) throw new Error(`send now: ${sent.status} ${sent.text}`);
    await h.waitForSync(integrationId, manual.id);
    await write('requested-run', workflowId(integrationId, manual.id));

    // A permanent failure (the account has no customer mapping where one is required): recordFailure.
    const { id: strictId } = await h.createIntegration({ useExternalMappingAccountCode: true });
    const unmapped = sampleBill({ id: 'bill-history-unmapped' });
    await h.sendWebhook(h.billEvent(unmapped));
    await h.waitForSync(strictId, unmapped.id);
    await write('failure', workflowId(strictId, unmapped.id));
  } finally {
    await h.stop();
    await stopSharedEnvironment();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
