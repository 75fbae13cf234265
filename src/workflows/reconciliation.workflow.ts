import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.contract';

const work = proxyActivities<ReconciliationActivities>({
  // 5,000 bills take well under a minute; a company at its rate limit can make it slower.
  startToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 4,
  },
});
const record = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

const poll = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * The daily run from the integration's schedule: first the ChangeDataCapture poll (the webhooks' fallback; a
 * failure there does not stop the rest), then the reconciliation of the last two billing months.
 */
export async function scheduledReconciliation(input: { integrationId: string }): Promise<{
  bills: number;
  quickBooksReads: number;
  adopted: number;
  polledChanges: number | null;
} | null> {
  let polledChanges: number | null = null;
  try {
    polledChanges = (await poll.pollQuickBooksChanges(input))?.changes ?? null;
  } catch {
    // The next day's poll reads from the same cursor.
  }
  const opened = await record.openScheduledReconciliation(input);
  if (!opened) return null;
  return {
    ...(await billReconciliation({ runId: opened.runId, integrationId: input.integrationId })),
    polledChanges,
  };
}

/** One reconciliation run (src/bill-sync/reconciliation.ts): carried out, or recorded as FAILED once retries give up. */
export async function billReconciliation(input: {
  runId: string;
  integrationId: string;
}): Promise<{ bills: number; quickBooksReads: number; adopted: number }> {
  try {
    return await work.reconcile({ runId: input.runId });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    await record.recordReconciliationFailure({ runId: input.runId, error: message });
    throw ApplicationFailure.nonRetryable(`reconciliation failed: ${message}`, 'RECONCILIATION_FAILED');
  }
}
