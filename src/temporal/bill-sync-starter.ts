import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BillSyncRequest, StartedSync, SyncRequester } from '../bill-sync/sync-requester';
import { billSyncWorkflowId } from '../domain/ids';
import { billChangedSignal, billSync } from '../workflows/bill-sync.workflow';
import { AccountIdKey, BillIdKey, IntegrationIdKey, SyncStatusKey } from '../workflows/search-attributes';

/**
 * The bill sync's requests on Temporal: signal-with-start of `bill-sync/<integration>/<bill>`. A running
 * workflow takes the signal and does one more pass with the newest stored bill (bursts coalesce);
 * otherwise a new run starts, with its search attributes and its Web UI summary and details set at start
 * (the details link to the bill's runs in the console at `consoleUrl`).
 */
export function temporalSyncRequester(client: Client, taskQueue: string, consoleUrl?: string): SyncRequester {
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
        staticSummary: `Bill ${billId} → QuickBooks`,
        staticDetails: billSyncDetails(request, consoleUrl),
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

/** The workflow's details in the Web UI (Temporal's markdown subset): what it syncs, and where its runs are. */
export function billSyncDetails(request: BillSyncRequest, consoleUrl?: string): string {
  const { integrationId, billId, accountId, trigger } = request;
  const lines = [
    `Bill **${billId}**${accountId ? ` of account **${accountId}**` : ''}, integration **${integrationId}**.`,
    `Started by: ${trigger}.`,
  ];
  if (consoleUrl) {
    const q = new URLSearchParams({ integrationId, billId });
    lines.push(`[This bill's runs in the console](${consoleUrl}/runs?${q.toString()})`);
  }
  return lines.join('\n\n');
}
