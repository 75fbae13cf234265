import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { BillSyncActivities } from '../activities';
import type { NotifyDisabledInput } from '../activities/bill-sync.contract';
import type { BillChanged } from '../bill-sync/sync-requester';
import type { RunStatus } from '../domain/run-status';
import { NON_RETRYABLE_FAILURE_CODES, WAIT_FAILURE_TYPES, type SyncFailure } from '../domain/sync-failure';
import { AccountIdKey, SyncStatusKey } from './search-attributes';

export type { BillChanged } from '../bill-sync/sync-requester';

export interface BillSyncInput extends BillChanged {
  integrationId: string;
  billId: string;
  accountId?: string;
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

// Database steps run as local activities (no server round trip each): quick, retried patiently.
const db = proxyLocalActivities<BillSyncActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
  },
});

// QuickBooks steps: regular activities, so their attempts show in the Web UI; bounded, so a failing sync
// ends, counts and can be replayed. They heartbeat: a killed worker's call is retried within 30 s.
const QUICKBOOKS_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  // A busy realm (or our own database down) is not a fault of the sync: waited out below on a timer, using
  // no attempt.
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_CODES, ...WAIT_FAILURE_TYPES],
};
const quickBooks = proxyActivities<BillSyncActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: QUICKBOOKS_RETRY,
});

// The disablement e-mail: SMTP may be down a while.
const mail = proxyActivities<BillSyncActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
  },
});

/** How long one bill may queue behind a busy QuickBooks company before its run fails (RATE_LIMITED). */
const REALM_QUEUE_LIMIT_MS = 6 * 60 * 60 * 1000;
const REALM_WAIT_MAX_MS = 5 * 60_000;

/**
 * One bill, one integration: check approval and scope, resolve the QuickBooks customer, build the document,
 * create or update it exactly once, record the run. Signals that arrive meanwhile are coalesced into one
 * more pass, which reads the newest stored version of the bill.
 */
export async function billSync(input: BillSyncInput): Promise<BillSyncResult> {
  let pending: Pass | undefined = passFor(input);
  let current: RunStatus | 'RUNNING' = 'RUNNING';
  setHandler(billChangedSignal, (change) => {
    pending = pending ? merged(pending, change) : passFor(change);
  });
  setHandler(syncStatusQuery, () => current);

  let last: BillSyncResult | undefined;
  let passes = 0;
  while (pending) {
    const pass: Pass = pending;
    pending = undefined;
    passes += 1;
    const outcome = await syncOnce(input, pass);
    current = outcome.status;
    last = { ...outcome, passes };
    upsertSearchAttributes([{ key: SyncStatusKey, value: outcome.status }]);
  }
  await condition(allHandlersFinished);
  if (!last) throw ApplicationFailure.nonRetryable('bill sync ran no pass');
  return last;
}

/** One pass to run: why, and the runs requested for it (send now, replay). */
interface Pass {
  trigger: BillChanged['trigger'];
  replayedFromRunId?: string;
  requestedRunIds: string[];
}

function passFor(change: BillChanged): Pass {
  const { trigger, replayedFromRunId, runId } = change;
  return { trigger, replayedFromRunId, requestedRunIds: runId ? [runId] : [] };
}

function merged(pass: Pass, change: BillChanged): Pass {
  const runIds = change.runId && !pass.requestedRunIds.includes(change.runId) ? [change.runId] : [];
  return {
    trigger: pass.trigger,
    replayedFromRunId: pass.replayedFromRunId ?? change.replayedFromRunId,
    requestedRunIds: [...pass.requestedRunIds, ...runIds],
  };
}

async function syncOnce(input: BillSyncInput, pass: Pass): Promise<Omit<BillSyncResult, 'passes'>> {
  const info = workflowInfo();
  const { runId } = await db.startRun({
    integrationId: input.integrationId,
    billId: input.billId,
    workflowId: info.workflowId,
    workflowRunId: info.runId,
    accountId: input.accountId,
    ...pass,
  });
  try {
    setCurrentDetails(`${pass.trigger}: reading bill ${input.billId} from m3ter`);
    const eligibility = await db.checkEligibility.executeWithOptions(
      { summary: `read bill ${input.billId} from m3ter; check approval and filters` },
      [{ runId }],
    );
    if (eligibility.accountId && eligibility.accountId !== input.accountId) {
      upsertSearchAttributes([{ key: AccountIdKey, value: eligibility.accountId }]);
    }
    if (!eligibility.proceed) return await finish(runId, eligibility.status, eligibility.reason);

    let built = await db.buildDocument.executeWithOptions({ summary: 'build the document' }, [{ runId }]);
    if (built.kind === 'needs-customer') {
      // Not known to this worker without asking QuickBooks: resolve it there (mapping, name, or new).
      const account = eligibility.accountId ?? input.accountId ?? 'the account';
      const customer = await whenRealmFree(() =>
        quickBooks.resolveCustomer.executeWithOptions(
          { summary: `find or create the QuickBooks customer of ${account}` },
          [{ runId }],
        ),
      );
      built = await db.buildDocument.executeWithOptions({ summary: 'build the document' }, [
        { runId, customer },
      ]);
    }
    if (built.kind === 'skip') return await finish(runId, 'SKIPPED', built.reason);
    if (built.kind !== 'built')
      throw ApplicationFailure.nonRetryable('the customer was resolved yet not used');

    // The step records the run's end itself, with what QuickBooks now holds.
    const what = `${built.operation} ${built.documentType} for ${built.customerName}, ${built.total}`;
    setCurrentDetails(`Sending to QuickBooks: ${what} (${built.lineCount} lines)`);
    const sent = await whenRealmFree(() =>
      quickBooks.upsertDocument.executeWithOptions({ summary: what }, [{ runId }]),
    );
    setCurrentDetails(`${sent.status}: ${what}${sent.externalId ? ` → QuickBooks ${sent.externalId}` : ''}`);
    return { runId, status: sent.status, externalId: sent.externalId };
  } catch (err) {
    const failure = syncFailureOf(err);
    const recorded = await db.recordFailure({ runId, failure, exhausted: isExhausted(err) });
    setCurrentDetails(`${recorded.status}: ${failure.code}, ${failure.message}`);
    if (recorded.disablementId) {
      await notifyDisabled({ integrationId: input.integrationId, disablementId: recorded.disablementId });
    }
    return { runId, status: recorded.status };
  }
}

async function finish(
  runId: string,
  status: RunStatus,
  message?: string,
): Promise<Omit<BillSyncResult, 'passes'>> {
  await db.finishRun({ runId, status, message });
  setCurrentDetails(`${status}${message ? `: ${message}` : ''}`);
  return { runId, status };
}

/**
 * Runs a QuickBooks step; while the company is at its request limit, sleeps on a durable timer until the
 * turn the governor handed out and runs it again: queueing uses no retry attempt and holds no worker slot.
 */
async function whenRealmFree<T>(step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await step();
    } catch (err) {
      const retryAfterMs = realmBusyRetryAfter(err);
      if (retryAfterMs === undefined || Date.now() - started >= REALM_QUEUE_LIMIT_MS) throw err;
      setCurrentDetails(`Waiting to try again: ${syncFailureOf(err).message}`);
      await sleep(Math.min(retryAfterMs, REALM_WAIT_MAX_MS) * (1 + 0.1 * Math.random()));
    }
  }
}

/**
 * The run, the event and the disablement are recorded before the e-mail: if SMTP stays down through every
 * retry, the sync still ends (the undelivered e-mails are in disablement_notifications with their error).
 */
async function notifyDisabled(input: NotifyDisabledInput): Promise<void> {
  try {
    await mail.notifyIntegrationDisabled(input);
  } catch (err) {
    log.error('the disablement e-mail could not be sent', {
      ...input,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function realmBusyRetryAfter(err: unknown): number | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || !WAIT_FAILURE_TYPES.includes(cause.type ?? ''))
    return undefined;
  const detail = cause.details?.[0] as SyncFailure | undefined;
  return detail?.retryAfterMs ?? 1000;
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
  if (cause instanceof ApplicationFailure && WAIT_FAILURE_TYPES.includes(cause.type ?? '')) return true;
  return !(cause instanceof ApplicationFailure && cause.nonRetryable);
}
