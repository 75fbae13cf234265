import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ReconciliationStarter } from '../bill-sync/reconciliation';
import { reconciliationWorkflowId } from '../domain/ids';
import { billReconciliation } from '../workflows/reconciliation.workflow';
import { IntegrationIdKey } from '../workflows/search-attributes';

/** Reconciliations on Temporal: one workflow `reconciliation/<runId>` per run. */
export function temporalReconciliationStarter(client: Client, taskQueue: string): ReconciliationStarter {
  return {
    async startReconciliation(input) {
      await client.workflow.start(billReconciliation, {
        workflowId: reconciliationWorkflowId(input.runId),
        taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: IntegrationIdKey, value: input.integrationId }],
      });
    },
  };
}
