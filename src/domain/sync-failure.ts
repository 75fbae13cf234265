import type { IntegrationEventType, RunStatus } from './run-status';

/**
 * The one place that classifies what went wrong in a sync (spec §7): transient (retried with backoff) or
 * permanent (not retried), the run status it ends in, and the integration event an operator sees.
 * Pure: activities describe a failure as a SyncFailure, this decides what it means.
 */

/** Failure codes of the sync itself (not QuickBooks'). Stable: they are Temporal failure types too. */
export const SYNC_FAILURE_CODES = [
  'MISSING_ACCOUNT_MAPPING',
  'CURRENCY_MISMATCH',
  'INVALID_DOCUMENT',
  'INVOICE_ALREADY_PAID',
  'ACCOUNTING_PERIOD_CLOSED',
  'NOT_CONNECTED',
  'AUTH_FAILED',
  'QBO_VALIDATION',
  'QBO_RATE_LIMITED',
  'QBO_UNAVAILABLE',
  'QBO_TIMEOUT',
  'M3TER_UNAVAILABLE',
  'M3TER_AUTH_FAILED',
  'M3TER_REJECTED',
  'INTERNAL',
] as const;
export type SyncFailureCode = (typeof SYNC_FAILURE_CODES)[number];

export interface QuickBooksFailureFacts {
  kind: 'fault' | 'auth' | 'forbidden' | 'throttled' | 'server' | 'network' | 'timeout' | 'unexpected';
  httpStatus?: number;
  code?: string;
  element?: string;
  detail?: string;
  intuitTid?: string;
  message: string;
}

/** What m3ter's API answered (or that it did not). */
export interface M3terFailureFacts {
  kind: 'http' | 'network' | 'timeout' | 'invalid_response';
  status?: number;
  code?: string;
  /** The client gave up on a failure worth trying again later (429, 5xx, no answer). */
  retryable: boolean;
  message: string;
}

export interface SyncFailure {
  code: SyncFailureCode;
  message: string;
  /** Present when QuickBooks answered (or failed to): its code, element, detail and intuit_tid. */
  quickBooks?: Omit<QuickBooksFailureFacts, 'message'>;
  /** Present when m3ter's API answered (or failed to). */
  m3ter?: Omit<M3terFailureFacts, 'message'>;
  /** For rate limits: when trying again makes sense. */
  retryAfterMs?: number;
}

export interface FailureClass {
  retryable: boolean;
  /** Status while a retry is pending (retryable) or the final status (permanent). */
  runStatus: RunStatus;
  event?: IntegrationEventType;
}

// QBO codes that mean the books are closed for the document's date.
const CLOSED_PERIOD_CODES = new Set(['6200', '6210']);

/** What a QuickBooks error means for the sync. */
export function failureFromQuickBooks(e: QuickBooksFailureFacts): SyncFailure {
  const { message, ...quickBooks } = e;
  const code = ((): SyncFailureCode => {
    switch (e.kind) {
      case 'throttled':
        return 'QBO_RATE_LIMITED';
      case 'server':
      case 'network':
      case 'unexpected':
        return 'QBO_UNAVAILABLE';
      case 'timeout':
        return 'QBO_TIMEOUT';
      case 'auth':
      case 'forbidden':
        return 'AUTH_FAILED';
      case 'fault':
        if (e.code && CLOSED_PERIOD_CODES.has(e.code)) return 'ACCOUNTING_PERIOD_CLOSED';
        if (e.code === '5010') return 'QBO_UNAVAILABLE'; // stale object after re-reads: try again later
        return 'QBO_VALIDATION';
    }
  })();
  return { code, message, quickBooks };
}

/** What an m3ter API failure means for the sync: try again later, or an operator must act (credentials, data). */
export function failureFromM3ter(e: M3terFailureFacts): SyncFailure {
  const { message, ...m3ter } = e;
  const later =
    e.retryable || e.kind !== 'http' || (e.status !== undefined && (e.status === 429 || e.status >= 500));
  const code = later
    ? 'M3TER_UNAVAILABLE'
    : e.status === 401 || e.status === 403
      ? 'M3TER_AUTH_FAILED'
      : 'M3TER_REJECTED';
  return { code, message, m3ter };
}

export function classifyFailure(failure: Pick<SyncFailure, 'code'>): FailureClass {
  switch (failure.code) {
    case 'M3TER_UNAVAILABLE':
      return { retryable: true, runStatus: 'AWAITING_RETRY' };
    case 'M3TER_AUTH_FAILED':
      return { retryable: false, runStatus: 'ERROR', event: 'integration.authentication.error' };
    case 'M3TER_REJECTED':
      return { retryable: false, runStatus: 'ERROR', event: 'integration.perform.error' };
    case 'QBO_RATE_LIMITED':
      return { retryable: true, runStatus: 'RATE_LIMIT_RETRY' };
    case 'QBO_UNAVAILABLE':
    case 'QBO_TIMEOUT':
      return { retryable: true, runStatus: 'AWAITING_RETRY' };
    case 'MISSING_ACCOUNT_MAPPING':
      return { retryable: false, runStatus: 'ERROR', event: 'integration.missingaccountmapping.error' };
    case 'CURRENCY_MISMATCH':
    case 'INVALID_DOCUMENT':
    case 'QBO_VALIDATION':
      return { retryable: false, runStatus: 'ERROR', event: 'integration.validation.error' };
    case 'INVOICE_ALREADY_PAID':
      return { retryable: false, runStatus: 'INVOICE_ALREADY_PAID', event: 'integration.perform.error' };
    case 'ACCOUNTING_PERIOD_CLOSED':
      return { retryable: false, runStatus: 'ACCOUNTING_PERIOD_CLOSED', event: 'integration.perform.error' };
    case 'NOT_CONNECTED':
    case 'AUTH_FAILED':
      return { retryable: false, runStatus: 'AUTH_FAILED', event: 'integration.authentication.error' };
    case 'INTERNAL':
      return { retryable: true, runStatus: 'AWAITING_RETRY' };
  }
}

/** The final status of a failure whose retries ran out. */
export function exhaustedStatus(failure: Pick<SyncFailure, 'code'>): {
  runStatus: RunStatus;
  event: IntegrationEventType;
} {
  const c = classifyFailure(failure);
  if (!c.retryable) return { runStatus: c.runStatus, event: c.event ?? 'integration.perform.error' };
  if (failure.code === 'QBO_TIMEOUT')
    return { runStatus: 'TIMEOUT_LIMIT_EXCEEDED', event: 'integration.perform.error' };
  return { runStatus: 'ERROR', event: 'integration.perform.error' };
}

/** Temporal failure types that must not be retried. */
export const NON_RETRYABLE_FAILURE_CODES: readonly SyncFailureCode[] = SYNC_FAILURE_CODES.filter(
  (code) => !classifyFailure({ code }).retryable,
);

/**
 * The Temporal failure type of "the realm is at its request limit and no permit freed up in time" (details:
 * a QBO_RATE_LIMITED SyncFailure). Not a fault: the bill-sync workflow waits on a durable timer and calls
 * again, so queueing behind a busy company uses no retry attempt and holds no worker slot.
 */
export const REALM_BUSY_FAILURE_TYPE = 'QBO_REALM_BUSY';
/** Our own PostgreSQL (or Temporal) unreachable during a QuickBooks step: waited out like a busy company. */
export const INFRASTRUCTURE_UNAVAILABLE_FAILURE_TYPE = 'INFRASTRUCTURE_UNAVAILABLE';
/** Failure types a step waits out on a durable timer (its `retryAfterMs`), using no retry attempt. */
export const WAIT_FAILURE_TYPES: readonly string[] = [
  REALM_BUSY_FAILURE_TYPE,
  INFRASTRUCTURE_UNAVAILABLE_FAILURE_TYPE,
];
/** How long a step waits for our own infrastructure before it tries again. */
export const INFRASTRUCTURE_WAIT_MS = 5_000;

/** Thrown by sync code for a failure it has already described; turned into a Temporal failure at the activity edge. */
export class SyncFailureError extends Error {
  constructor(readonly failure: SyncFailure) {
    super(failure.message);
    this.name = 'SyncFailureError';
  }
}
