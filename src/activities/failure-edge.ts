import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Queryable } from '../db/repositories/common';
import { updateRun } from '../db/repositories/runs.repository';
import { DomainError } from '../domain/errors';
import {
  classifyFailure,
  failureFromM3ter,
  INFRASTRUCTURE_UNAVAILABLE_FAILURE_TYPE,
  INFRASTRUCTURE_WAIT_MS,
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
import { isDependencyUnavailable } from '../platform/unavailable';

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

/** How long a step waits after QuickBooks itself throttled it, unless told otherwise. */
export const THROTTLE_WAIT_MS = 15_000;

/**
 * The activity edge: turns an error into an ApplicationFailure whose type is the failure code and whose
 * details carry the SyncFailure. A throttle — our governor's RealmBusyError or QuickBooks' own 429 — gets the
 * busy-realm type (REALM_BUSY_FAILURE_TYPE), which the workflow waits out on a durable timer without using a
 * retry attempt; so does our own PostgreSQL being unreachable (INFRASTRUCTURE_UNAVAILABLE_FAILURE_TYPE), which
 * says nothing about the bill. Permanent failures are marked non-retryable.
 */
export function toApplicationFailure(
  err: unknown,
  options: { throttleWaitMs?: number } = {},
): ApplicationFailure {
  const failure = describeFailure(err);
  // Only an error nothing else classified (not QuickBooks', m3ter's or the domain's).
  if (failure.code === 'INTERNAL' && !(err instanceof DomainError) && isDependencyUnavailable(err)) {
    return ApplicationFailure.create({
      type: INFRASTRUCTURE_UNAVAILABLE_FAILURE_TYPE,
      message: `our database is unavailable: ${failure.message}`,
      details: [{ ...failure, retryAfterMs: INFRASTRUCTURE_WAIT_MS }],
    });
  }
  const { retryable } = classifyFailure(failure);
  const throttled = failure.code === 'QBO_RATE_LIMITED';
  const details = throttled
    ? { ...failure, retryAfterMs: failure.retryAfterMs ?? options.throttleWaitMs ?? THROTTLE_WAIT_MS }
    : failure;
  return ApplicationFailure.create({
    type: throttled ? REALM_BUSY_FAILURE_TYPE : failure.code,
    message: failure.message,
    details: [details],
    nonRetryable: !retryable,
  });
}

/**
 * Wraps a step of a run: a failure leaves the activity as an ApplicationFailure (above), and one that will be
 * retried is shown on the run meanwhile (AWAITING_RETRY / RATE_LIMIT_RETRY).
 */
export function syncStep<I extends { runId: string }, O>(
  deps: { db: Queryable; logger: Logger; throttleWaitMs?: number },
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
      throw toApplicationFailure(err, { throttleWaitMs: deps.throttleWaitMs });
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
