import { ApplicationFailure, Context } from '@temporalio/activity';
import { awaitSyncs, backfillPage, recordBackfill, requestSyncsInScope } from '../bill-sync/backfill';
import type { SyncRequester } from '../bill-sync/sync-requester';
import { sweepIntegration, type SweepScheduler } from '../bill-sync/sweep';
import type { Db } from '../db/pool';
import { NotFoundError } from '../domain/errors';
import type { M3terClient } from '../m3ter/client';
import { M3terApiError } from '../m3ter/errors';
import type { ReferenceCache } from '../settings/reference-cache';
import type { BackfillActivities } from './backfill.contract';

export interface BackfillDeps {
  db: Db;
  /** Absent in a deployment that runs from webhook bodies: no backfill, no sweep there. */
  m3ter?: M3terClient;
  reference: ReferenceCache;
  /** Asks for bill syncs (a Temporal client in the worker). */
  syncs: SyncRequester;
  /** So a sweep of a deleted integration removes its own schedule. */
  sweeps?: SweepScheduler;
}

/** How often a long wait tells Temporal it is alive (its heartbeat timeout is 30 s). */
const HEARTBEAT_EVERY_MS = 10_000;

/** The backfill and sweep activities, each a thin adapter over src/bill-sync/backfill.ts and sweep.ts. */
export function createBackfillActivities(deps: BackfillDeps): BackfillActivities {
  const m3ter = (): M3terClient => {
    if (!deps.m3ter)
      throw ApplicationFailure.nonRetryable('m3ter API credentials are not configured', 'NO_M3TER');
    return deps.m3ter;
  };
  /** A deleted integration, or a request m3ter refuses (not a 429 or 5xx), ends the backfill: no retry helps. */
  const translate = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      if (err instanceof NotFoundError) throw ApplicationFailure.nonRetryable(err.message, err.code);
      if (err instanceof M3terApiError && !err.retryable && err.status !== 401)
        throw ApplicationFailure.nonRetryable(err.message, 'M3TER_REJECTED');
      throw err;
    });
  return {
    listBackfillPage: (input) => translate(backfillPage(m3ter(), input)),
    requestBackfillSyncs: ({ integrationId, bills }) =>
      translate(requestSyncsInScope(deps, integrationId, bills, 'backfill')),
    awaitBackfillSyncs: async ({ integrationId, bills }) => {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await awaitSyncs(deps.syncs, integrationId, bills);
      } finally {
        clearInterval(beat);
      }
    },
    recordBackfillProgress: ({ backfillId, progress, status, error }) =>
      recordBackfill(deps.db, backfillId, progress, status ? { status, error } : undefined),
    sweepForMissedBills: ({ integrationId }) => sweepIntegration({ ...deps, m3ter: m3ter() }, integrationId),
  };
}
