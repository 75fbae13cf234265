import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Queryable } from '../db/repositories/common';
import { updateRun } from '../db/repositories/runs.repository';
import { DomainError } from '../domain/errors';
import {
  classifyFailure,
  failureFromM3ter,
  failureFromQuickBooks,
  REALM_BUSY_FAILURE_TYPE,
  SyncFailureError,
  type SyncFailure,
} from '../domain/sync-failure';
import { M3terApiError } from '../m3ter/errors';
import type { Logger } from '../platform/logger';
import { QuickBooksAuthError } from '../quickbooks/connector';
import { QuickBooksError } from '../quickbooks/errors';
import { TokenEndpointError } from '../quickbooks/oauth';
import { RealmBusyError } from '../quickbooks/rate-governor';

/** Describes any error an activity met as a SyncFailure (what it means is decided in the domain). */
export function describeFailure(err: unknown): SyncFailure {
  if (err instanceof SyncFailureError) return err.failure;
  if (err instanceof QuickBooksError) return failureFromQuickBooks(err.toJSON());
  if (err instanceof QuickBooksAuthError) {
    return { code: err.reason === 'not-connected' ? 'NOT_CONNECTED' : 'AUTH_FAILED', message: err.message };
  }
  if (err instanceof TokenEndpointError) return { code: 'QBO_UNAVAILABLE', message: err.message };
  if (err instanceof M3terApiError)
    return failureFromM3ter({
      kind: err.kind,
      status: err.status,
      code: err.code,
      retryable: err.retryable,
      message: err.message,
    });
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
 * delay, else 15 s), yet never beyond `maxRetryDelayMs`: the activity's maximum retry interval.
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

/**
 * Wraps a step of a run: a failure leaves the activity as an ApplicationFailure (above), and one that will be
 * retried is shown on the run meanwhile (AWAITING_RETRY / RATE_LIMIT_RETRY).
 */
export function syncStep<I extends { runId: string }, O>(
  deps: { db: Queryable; logger: Logger },
  fn: (input: I) => Promise<O>,
): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await fn(input);
    } catch (err) {
      const failure = describeFailure(err);
      const cls = classifyFailure(failure);
      if (cls.retryable) {
        await updateRun(deps.db, input.runId, {
          status: cls.runStatus,
          message: failure.message,
          error: failure,
        }).catch(() => undefined);
        deps.logger.warn(
          { runId: input.runId, code: failure.code, quickBooks: failure.quickBooks },
          failure.message,
        );
      }
      const maximumInterval = Context.current().info.retryPolicy?.maximumInterval;
      throw toApplicationFailure(err, {
        maxRetryDelayMs: typeof maximumInterval === 'number' ? maximumInterval : undefined,
      });
    }
  };
}

const HEARTBEAT_EVERY_MS = 5_000;

/** A QuickBooks step heartbeats while it runs, so a worker that dies mid-call is noticed quickly. */
export function heartbeating<I, O>(fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    const context = Context.current();
    const timeoutMs = context.info.heartbeatTimeoutMs;
    if (!timeoutMs || context.info.isLocal) return fn(input);
    const timer = setInterval(() => context.heartbeat(), Math.min(HEARTBEAT_EVERY_MS, timeoutMs / 3));
    try {
      return await fn(input);
    } finally {
      clearInterval(timer);
    }
  };
}
