import { ApplicationFailure } from '@temporalio/activity';
import { DomainError } from '../domain/errors';
import {
  classifyFailure,
  failureFromQuickBooks,
  REALM_BUSY_FAILURE_TYPE,
  type SyncFailure,
} from '../domain/sync-failure';
import { QuickBooksAuthError } from '../quickbooks/connector';
import { QuickBooksError } from '../quickbooks/errors';
import { TokenEndpointError } from '../quickbooks/oauth';
import { RealmBusyError } from '../quickbooks/rate-governor';
import { SyncFailureError } from './sync-failure-error';

/** Describes any error an activity met as a SyncFailure (the classification itself is in the domain). */
export function describeFailure(err: unknown): SyncFailure {
  if (err instanceof SyncFailureError) return err.failure;
  if (err instanceof QuickBooksError) return failureFromQuickBooks(err.toJSON());
  if (err instanceof QuickBooksAuthError) {
    return { code: err.reason === 'not-connected' ? 'NOT_CONNECTED' : 'AUTH_FAILED', message: err.message };
  }
  if (err instanceof TokenEndpointError) return { code: 'QBO_UNAVAILABLE', message: err.message };
  if (err instanceof RealmBusyError)
    return { code: 'QBO_RATE_LIMITED', message: err.message, retryAfterMs: err.retryAfterMs };
  if (err instanceof DomainError) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

const RATE_LIMIT_BACKOFF_MS = 15_000;

/**
 * The activity edge: turns an error into an ApplicationFailure whose type is the failure code and whose
 * details carry the SyncFailure. A busy realm gets its own type (REALM_BUSY_FAILURE_TYPE), which the
 * workflow waits out itself. Permanent failures are marked non-retryable; a 429 waits longer (its own
 * delay, else 15 s), yet never beyond `maxRetryDelayMs`: the activity's maximum retry interval (1 minute in
 * production; shorter only where a test shortened the workflow's retry policy).
 */
export function toApplicationFailure(
  err: unknown,
  options: { maxRetryDelayMs?: number } = {},
): ApplicationFailure {
  const failure = describeFailure(err);
  const { retryable } = classifyFailure(failure);
  return ApplicationFailure.create({
    type: err instanceof RealmBusyError ? REALM_BUSY_FAILURE_TYPE : failure.code,
    message: failure.message,
    details: [failure],
    nonRetryable: !retryable,
    nextRetryDelay:
      failure.code === 'QBO_RATE_LIMITED'
        ? Math.min(failure.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS, options.maxRetryDelayMs ?? Infinity)
        : undefined,
  });
}
