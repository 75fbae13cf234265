/**
 * Records the histories the replay test checks the workflow code against. Run after an intended change to
 * the workflow (with a patch or a drained deployment), then commit the files:
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

async function main(): Promise<void> {
  await startSharedEnvironment();
  const h = await startSyncHarness();
  try {
    await h.putAccount(ACME_ACCOUNT);
    const { id: integrationId } = await h.createIntegration();
    const bill = sampleBill({ id: 'bill-history-1' });
    await h.sendWebhook(h.billEvent(bill));
    await h.waitForSync(integrationId, bill.id);
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

    const write = async (name: string, workflowId: string) => {
      const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(path.join(HISTORIES_DIR, name), historyToJSON(history));
      console.log(`wrote ${name} (${history.events?.length} events)`);
    };
    await write('bill-sync-update.json', `bill-sync/${integrationId}/${bill.id}`);
    await write('bill-sync-retry.json', `bill-sync/${integrationId}/${bad.id}`);
  } finally {
    await h.stop();
    await stopSharedEnvironment();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
