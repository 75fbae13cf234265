import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { BackfillStarter } from '../bill-sync/backfill';
import { backfillWorkflowId } from '../domain/ids';
import { billBackfill } from '../workflows/backfill.workflow';
import { IntegrationIdKey } from '../workflows/search-attributes';

/** Backfills on Temporal: one workflow `backfill/<id>` per request. */
export function temporalBackfillStarter(client: Client, taskQueue: string): BackfillStarter {
  return {
    async startBackfill(input) {
      await client.workflow.start(billBackfill, {
        workflowId: backfillWorkflowId(input.backfillId),
        taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: IntegrationIdKey, value: input.integrationId }],
      });
    },
  };
}
