import type { Client } from '@temporalio/client';
import { billSyncWorkflowId } from '../domain/ids';
import { billChangedSignal, billSync, type BillSyncInput } from '../workflows/bill-sync.workflow';
import { AccountIdKey, BillIdKey, IntegrationIdKey, SyncStatusKey } from '../workflows/search-attributes';

export interface BillSyncRequest extends BillSyncInput {
  accountId: string;
}

export interface StartedSync {
  workflowId: string;
  runId: string;
}

/**
 * Asks for a sync of one bill by one integration: signal-with-start of `bill-sync/<integration>/<bill>`.
 * A running workflow takes the signal and does one more pass with the newest stored bill (bursts coalesce);
 * otherwise a new run starts.
 */
export async function requestBillSync(
  client: Client,
  taskQueue: string,
  request: BillSyncRequest,
): Promise<StartedSync> {
  const workflowId = billSyncWorkflowId(request.integrationId, request.billId);
  const handle = await client.workflow.signalWithStart(billSync, {
    workflowId,
    taskQueue,
    args: [request],
    signal: billChangedSignal,
    signalArgs: [{ trigger: request.trigger, replayedFromRunId: request.replayedFromRunId }],
    typedSearchAttributes: [
      { key: IntegrationIdKey, value: request.integrationId },
      { key: BillIdKey, value: request.billId },
      { key: AccountIdKey, value: request.accountId },
      { key: SyncStatusKey, value: 'STARTED' },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
