import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import type { ReconciliationScheduler } from '../bill-sync/reconciliation';
import { reconciliationScheduleId } from '../domain/ids';
import { scheduledReconciliation } from '../workflows/reconciliation.workflow';
import { IntegrationIdKey } from '../workflows/search-attributes';

/**
 * The daily reconciliations on Temporal: one Schedule `reconciliation-schedule/<integrationId>` per integration
 * (the Web UI's Schedules page), at 03:00 UTC, over the last two billing months; overlapping runs skip.
 */
export function temporalReconciliationScheduler(client: Client, taskQueue: string): ReconciliationScheduler {
  return {
    async ensure(integrationId) {
      try {
        await client.schedule.create({
          scheduleId: reconciliationScheduleId(integrationId),
          spec: { calendars: [{ hour: 3, minute: 0, comment: 'daily' }] },
          action: {
            type: 'startWorkflow',
            workflowType: scheduledReconciliation,
            workflowId: reconciliationScheduleId(integrationId),
            taskQueue,
            args: [{ integrationId }],
            workflowExecutionTimeout: '2 hours',
            typedSearchAttributes: [{ key: IntegrationIdKey, value: integrationId }],
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
          state: { note: 'daily reconciliation' },
          typedSearchAttributes: [{ key: IntegrationIdKey, value: integrationId }],
        });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      }
    },
    async remove(integrationId) {
      try {
        await client.schedule.getHandle(reconciliationScheduleId(integrationId)).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    },
  };
}
