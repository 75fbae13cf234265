import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BillSyncRequest, StartedSync, SyncRequester } from '../bill-sync/sync-requester';
import { billSyncWorkflowId } from '../domain/ids';
import { billChangedSignal, billSync } from '../workflows/bill-sync.workflow';
import { AccountIdKey, BillIdKey, IntegrationIdKey, SyncStatusKey } from '../workflows/search-attributes';

/**
 * The bill sync's requests on Temporal: signal-with-start of `bill-sync/<integration>/<bill>`. A running
 * workflow takes the signal and does one more pass with the newest stored bill (bursts coalesce);
 * otherwise a new run starts, with its search attributes set at start.
 */
export function temporalSyncRequester(client: Client, taskQueue: string): SyncRequester {
  return {
    async requestBillSync(request: BillSyncRequest): Promise<StartedSync> {
      const { integrationId, billId, accountId, ...change } = request;
      const workflowId = billSyncWorkflowId(integrationId, billId);
      await client.workflow.signalWithStart(billSync, {
        workflowId,
        taskQueue,
        args: [{ integrationId, billId, accountId, trigger: change.trigger }],
        signal: billChangedSignal,
        signalArgs: [change],
        typedSearchAttributes: [
          { key: IntegrationIdKey, value: integrationId },
          { key: BillIdKey, value: billId },
          { key: AccountIdKey, value: accountId },
          { key: SyncStatusKey, value: 'STARTED' },
        ],
      });
      return { workflowId };
    },

    async waitForSync(integrationId, billId) {
      const handle = client.workflow.getHandle<typeof billSync>(billSyncWorkflowId(integrationId, billId));
      try {
        return { status: (await handle.result()).status };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        // The workflow failed, was terminated or timed out: not a sync that ended well.
        if (err instanceof WorkflowFailedError) return { status: 'ERROR' };
        throw err;
      }
    },
  };
}
