import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** The QuickBooks steps of the bill-sync workflow (regular activities with a bounded retry policy). */
const QUICKBOOKS_STEPS = new Set(['resolveCustomer', 'upsertDocument']);

/** Their retries in tests: 100 ms doubling to 500 ms, at most 2 attempts (production: 2 s to 1 min, 8). */
export const SHORT_QUICKBOOKS_RETRY = { initialInterval: 100, maximumInterval: 500, maximumAttempts: 2 };

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        if (!QUICKBOOKS_STEPS.has(input.activityType)) return next(input);
        const retry = { ...input.options.retry, ...SHORT_QUICKBOOKS_RETRY };
        return next({ ...input, options: { ...input.options, retry } });
      },
    },
  ],
});
