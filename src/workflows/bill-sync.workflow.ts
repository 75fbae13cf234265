import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  allHandlersFinished,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { BillSyncActivities } from '../activities';
import type { SyncTrigger, UpsertResult } from '../activities/bill-sync.contract';
import type { RunStatus } from '../domain/run-status';
import { NON_RETRYABLE_FAILURE_CODES, type SyncFailure } from '../domain/sync-failure';
import { AccountIdKey, BillIdKey, IntegrationIdKey, SyncStatusKey } from './search-attributes';

export interface BillSyncInput {
  integrationId: string;
  billId: string;
  accountId?: string;
  trigger: SyncTrigger;
  replayedFromRunId?: string;
  /**
   * Tests only: a shorter retry policy for the QuickBooks calls (e.g. to see retries run out quickly).
   * Absent in production, where QUICKBOOKS_RETRY applies.
   */
  quickBooksRetry?: Pick<RetryPolicy, 'initialInterval' | 'maximumInterval' | 'maximumAttempts'>;
}

export interface BillChanged {
  trigger: SyncTrigger;
  replayedFromRunId?: string;
}

export interface BillSyncResult {
  runId: string;
  status: RunStatus;
  externalId?: string;
  passes: number;
}

/** A newer version of the bill was stored (or a manual sync / replay was asked for) while this workflow ran. */
export const billChangedSignal = defineSignal<[BillChanged]>('billChanged');
export const syncStatusQuery = defineQuery<RunStatus | 'RUNNING'>('syncStatus');

// Database work: quick, retried patiently.
const db = proxyActivities<BillSyncActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
  },
});

// QuickBooks calls: bounded attempts so a failing sync ends, counts and can be replayed.
const QUICKBOOKS_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_CODES],
};

function quickBooksActivities(retry: BillSyncInput['quickBooksRetry']) {
  return proxyActivities<BillSyncActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { ...QUICKBOOKS_RETRY, ...retry },
  });
}

/**
 * One bill, one integration: check approval and scope, resolve the QuickBooks customer, build the document,
 * create or update it exactly once, record the run. Signals that arrive meanwhile are coalesced into one
 * more pass, which reads the newest stored version of the bill.
 */
export async function billSync(input: BillSyncInput): Promise<BillSyncResult> {
  let pending: BillChanged | undefined = {
    trigger: input.trigger,
    replayedFromRunId: input.replayedFromRunId,
  };
  let current: RunStatus | 'RUNNING' = 'RUNNING';
  setHandler(billChangedSignal, (change) => {
    pending = pending
      ? { trigger: pending.trigger, replayedFromRunId: pending.replayedFromRunId ?? change.replayedFromRunId }
      : change;
  });
  setHandler(syncStatusQuery, () => current);
  upsertSearchAttributes([
    { key: IntegrationIdKey, value: input.integrationId },
    { key: BillIdKey, value: input.billId },
    { key: SyncStatusKey, value: 'STARTED' },
    ...(input.accountId ? [{ key: AccountIdKey, value: input.accountId }] : []),
  ]);

  const quickBooks = quickBooksActivities(input.quickBooksRetry);
  let last: BillSyncResult | undefined;
  let passes = 0;
  while (pending) {
    const change: BillChanged = pending;
    pending = undefined;
    passes += 1;
    const pass = await syncOnce(input, change, quickBooks);
    current = pass.status;
    last = { ...pass, passes };
    upsertSearchAttributes([{ key: SyncStatusKey, value: pass.status }]);
  }
  await condition(allHandlersFinished);
  if (!last) throw ApplicationFailure.nonRetryable('bill sync ran no pass');
  return last;
}

async function syncOnce(
  input: BillSyncInput,
  change: BillChanged,
  quickBooks: ReturnType<typeof quickBooksActivities>,
): Promise<Omit<BillSyncResult, 'passes'>> {
  const info = workflowInfo();
  const { runId } = await db.startRun({
    integrationId: input.integrationId,
    billId: input.billId,
    workflowId: info.workflowId,
    workflowRunId: info.runId,
    trigger: change.trigger,
    replayedFromRunId: change.replayedFromRunId,
  });
  try {
    const eligibility = await db.checkEligibility({ runId });
    if (eligibility.accountId && !input.accountId) {
      upsertSearchAttributes([{ key: AccountIdKey, value: eligibility.accountId }]);
    }
    if (!eligibility.proceed) return await finish(runId, eligibility.status, eligibility.reason);

    const customer = await quickBooks.resolveCustomer({ runId });
    const built = await db.buildDocument({
      runId,
      customerId: customer.customerId,
      currency: customer.currency,
    });
    if (!built.proceed) return await finish(runId, built.status, built.reason);

    const result = await quickBooks.upsertDocument({ runId });
    const status: RunStatus = result.outcome === 'unchanged' ? 'SKIPPED' : 'COMPLETE';
    return await finish(
      runId,
      status,
      result.outcome === 'unchanged' ? 'unchanged since the last sync' : undefined,
      result,
    );
  } catch (err) {
    const failure = syncFailureOf(err);
    const recorded = await db.recordFailure({ runId, failure, exhausted: isExhausted(err) });
    if (recorded.disablementId) {
      await db.notifyIntegrationDisabled({
        integrationId: input.integrationId,
        disablementId: recorded.disablementId,
      });
    }
    return { runId, status: recorded.status };
  }
}

async function finish(
  runId: string,
  status: RunStatus,
  message?: string,
  result?: UpsertResult,
): Promise<Omit<BillSyncResult, 'passes'>> {
  await db.finishRun({ runId, status, message, result });
  return { runId, status, externalId: result?.externalId };
}

/** The SyncFailure an activity attached to its ApplicationFailure, or an INTERNAL one. */
function syncFailureOf(err: unknown): SyncFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as SyncFailure | undefined;
    if (detail && typeof detail === 'object' && 'code' in detail) return detail;
    return { code: 'INTERNAL', message: cause.message };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

function isExhausted(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return !(cause instanceof ApplicationFailure && cause.nonRetryable);
}
