import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  allHandlersFinished,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { BillSyncActivities } from '../activities';
import type {
  NotifyDisabledInput,
  ResolvedCustomer,
  RunRef,
  SyncTrigger,
  UpsertResult,
} from '../activities/bill-sync.contract';
import type { RunStatus } from '../domain/run-status';
import {
  NON_RETRYABLE_FAILURE_CODES,
  REALM_BUSY_FAILURE_TYPE,
  type SyncFailure,
} from '../domain/sync-failure';
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

/**
 * Version gate (Temporal patching). Workflows started before it replay the way they ran: every step a
 * regular activity, a busy realm retried by the server within the QuickBooks attempts. From it on: the
 * database steps are local activities (no server round trip each), a customer the worker already knows is
 * found locally (QuickBooks is asked only when needed), a busy realm is waited out on a durable
 * timer, the QuickBooks steps heartbeat so a dead worker's call is retried within 30 s, and an e-mail
 * that cannot be sent does not fail the workflow.
 */
const LOCAL_DB_STEPS_PATCH = 'local-db-steps-and-realm-queue';

// Database work: quick, retried patiently.
const DB_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 20,
};
const dbActivities = proxyActivities<BillSyncActivities>({
  startToCloseTimeout: '30 seconds',
  retry: DB_RETRY,
});
const localDbActivities = proxyLocalActivities<BillSyncActivities>({
  startToCloseTimeout: '30 seconds',
  retry: DB_RETRY,
});

// QuickBooks calls: bounded attempts so a failing sync ends, counts and can be replayed.
const QUICKBOOKS_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_CODES],
};

function quickBooksActivities(retry: BillSyncInput['quickBooksRetry'], realmQueue: boolean) {
  const policy = { ...QUICKBOOKS_RETRY, ...retry };
  return realmQueue
    ? proxyActivities<BillSyncActivities>({
        startToCloseTimeout: '2 minutes',
        // The activities heartbeat every few seconds while they run: a killed worker is noticed in 30 s.
        heartbeatTimeout: '30 seconds',
        retry: {
          ...policy,
          nonRetryableErrorTypes: [...(policy.nonRetryableErrorTypes ?? []), REALM_BUSY_FAILURE_TYPE],
        },
      })
    : proxyActivities<BillSyncActivities>({ startToCloseTimeout: '2 minutes', retry: policy });
}

/** How long one bill may queue behind a busy QuickBooks company before its run fails (RATE_LIMITED). */
const REALM_QUEUE_LIMIT_MS = 6 * 60 * 60 * 1000;
const REALM_WAIT_MAX_MS = 5 * 60_000;

type Steps = {
  /** The workflow was started with its search attributes (from the version gate on, not set again). */
  startedWithSearchAttributes: boolean;
  db: BillSyncActivities;
  quickBooks: BillSyncActivities;
  /** Runs a QuickBooks step; while the realm is at its limit, waits on a timer and runs it again. */
  governed: <T>(step: () => Promise<T>) => Promise<T>;
  /** The customer when the worker knows it without QuickBooks (a local step); null: ask QuickBooks. */
  knownCustomer: (input: RunRef) => Promise<ResolvedCustomer | null>;
  /** E-mails the notification users about a disablement (a regular activity: SMTP may be down a while). */
  notifyDisabled: (input: NotifyDisabledInput) => Promise<void>;
};

function stepsFor(input: BillSyncInput): Steps {
  const v2 = patched(LOCAL_DB_STEPS_PATCH);
  return {
    startedWithSearchAttributes: v2 && workflowInfo().typedSearchAttributes.get(SyncStatusKey) !== undefined,
    db: v2 ? localDbActivities : dbActivities,
    quickBooks: quickBooksActivities(input.quickBooksRetry, v2),
    governed: v2 ? waitingOutBusyRealm : (step) => step(),
    knownCustomer: v2 ? localDbActivities.findKnownCustomer : async () => null,
    notifyDisabled: v2 ? notifyDisabledOrLog : dbActivities.notifyIntegrationDisabled,
  };
}

/**
 * The run, the event and the disablement are recorded before the e-mail: if SMTP stays down through every
 * retry, the sync still ends (the undelivered e-mails are in disablement_notifications with their error).
 */
async function notifyDisabledOrLog(input: NotifyDisabledInput): Promise<void> {
  try {
    await dbActivities.notifyIntegrationDisabled(input);
  } catch (err) {
    log.error('the disablement e-mail could not be sent', {
      ...input,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

async function waitingOutBusyRealm<T>(step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await step();
    } catch (err) {
      const retryAfterMs = realmBusyRetryAfter(err);
      if (retryAfterMs === undefined || Date.now() - started >= REALM_QUEUE_LIMIT_MS) throw err;
      // The governor hands out turns spaced at the realm's rate: sleep until ours (a little jitter).
      await sleep(Math.min(retryAfterMs, REALM_WAIT_MAX_MS) * (1 + 0.1 * Math.random()));
    }
  }
}

function realmBusyRetryAfter(err: unknown): number | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== REALM_BUSY_FAILURE_TYPE) return undefined;
  const detail = cause.details?.[0] as SyncFailure | undefined;
  return detail?.retryAfterMs ?? 1000;
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
  const steps = stepsFor(input);
  // The starter sets these when it starts the workflow (one visibility write less); others are set here.
  if (!steps.startedWithSearchAttributes) {
    upsertSearchAttributes([
      { key: IntegrationIdKey, value: input.integrationId },
      { key: BillIdKey, value: input.billId },
      { key: SyncStatusKey, value: 'STARTED' },
      ...(input.accountId ? [{ key: AccountIdKey, value: input.accountId }] : []),
    ]);
  }

  let last: BillSyncResult | undefined;
  let passes = 0;
  while (pending) {
    const change: BillChanged = pending;
    pending = undefined;
    passes += 1;
    const pass = await syncOnce(input, change, steps);
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
  { db, quickBooks, governed, knownCustomer, notifyDisabled }: Steps,
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
    if (!eligibility.proceed) return await finish(db, runId, eligibility.status, eligibility.reason);

    const customer =
      (await knownCustomer({ runId })) ?? (await governed(() => quickBooks.resolveCustomer({ runId })));
    const built = await db.buildDocument({
      runId,
      customerId: customer.customerId,
      currency: customer.currency,
    });
    if (!built.proceed) return await finish(db, runId, built.status, built.reason);

    const result = await governed(() => quickBooks.upsertDocument({ runId }));
    const status: RunStatus = result.outcome === 'unchanged' ? 'SKIPPED' : 'COMPLETE';
    return await finish(
      db,
      runId,
      status,
      result.outcome === 'unchanged' ? 'unchanged since the last sync' : undefined,
      result,
    );
  } catch (err) {
    const failure = syncFailureOf(err);
    const recorded = await db.recordFailure({ runId, failure, exhausted: isExhausted(err) });
    if (recorded.disablementId) {
      await notifyDisabled({ integrationId: input.integrationId, disablementId: recorded.disablementId });
    }
    return { runId, status: recorded.status };
  }
}

async function finish(
  db: BillSyncActivities,
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

/** Retries (or the realm queue) ran out, as opposed to a permanent failure. */
function isExhausted(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === REALM_BUSY_FAILURE_TYPE) return true;
  return !(cause instanceof ApplicationFailure && cause.nonRetryable);
}
