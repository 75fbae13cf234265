/**
 * Records the histories the replay test checks the workflow code against. Run after an intended change to
 * the workflow (with a patch or a drained deployment; bump HISTORY_VERSION), then commit the files:
 *
 *   npm run capture-histories
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startSharedEnvironment, stopSharedEnvironment } from '../support/environment';
import { ACME_ACCOUNT, line, sampleBill } from '../support/bills';
import { startSyncHarness } from '../support/sync-harness';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
/** Prefix of the files this run writes; files of earlier versions stay, so their workflows keep replaying. */
const HISTORY_VERSION = 'v2';

async function main(): Promise<void> {
  await startSharedEnvironment();
  // Limits low enough that a small burst meets a busy realm (the workflow's timer-based queueing).
  const h = await startSyncHarness({
    governor: { requestsPerMinute: 120, burst: 2, concurrency: 2, maxWaitMs: 600 },
  });
  try {
    await h.putAccount(ACME_ACCOUNT);
    const { id: integrationId } = await h.createIntegration();
    const bill = sampleBill({ id: 'bill-history-1' });
    await h.sendWebhook(h.billEvent(bill));
    await h.waitForSync(integrationId, bill.id);
    // The account's first bill: the customer is resolved in QuickBooks (not yet known to the worker).
    const { runId: createRunId } = await h.temporal.workflow
      .getHandle(`bill-sync/${integrationId}/${bill.id}`)
      .describe();
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
    // A failing sync: a validation error recorded as a failed run.
    const bad = sampleBill({ id: 'bill-history-2', sequentialInvoiceNumber: 'INV-1' });
    h.emulator.control.enqueueFaults([
      { action: { type: 'status', status: 500 }, match: { entity: 'invoice', operation: 'create' } },
    ]);
    await h.sendWebhook(h.billEvent(bad));
    await h.waitForSync(integrationId, bad.id);

    // A burst on one realm: some bills wait for the realm on a timer.
    const burst = Array.from({ length: 6 }, (_, i) => sampleBill({ id: `bill-history-burst-${i}` }));
    await Promise.all(burst.map((b) => h.sendWebhook(h.billEvent(b))));
    await Promise.all(burst.map((b) => h.waitForSync(integrationId, b.id)));

    const write = async (name: string, workflowId: string, runId?: string) => {
      const history = await h.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      writeFileSync(path.join(HISTORIES_DIR, `${HISTORY_VERSION}-${name}`), historyToJSON(history));
      console.log(`wrote ${HISTORY_VERSION}-${name} (${history.events?.length} events)`);
      return history;
    };
    await write('bill-sync-create.json', `bill-sync/${integrationId}/${bill.id}`, createRunId);
    await write('bill-sync-update.json', `bill-sync/${integrationId}/${bill.id}`);
    await write('bill-sync-retry.json', `bill-sync/${integrationId}/${bad.id}`);
    for (const b of burst) {
      const history = await h.temporal.workflow
        .getHandle(`bill-sync/${integrationId}/${b.id}`)
        .fetchHistory();
      if (!history.events?.some((e) => e.timerStartedEventAttributes)) continue;
      await write('bill-sync-realm-queue.json', `bill-sync/${integrationId}/${b.id}`);
      break;
    }
  } finally {
    await h.stop();
    await stopSharedEnvironment();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
