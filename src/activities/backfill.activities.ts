import { ApplicationFailure, Context } from '@temporalio/activity';
import { awaitSyncs, backfillPage, recordBackfill, requestSyncs } from '../bill-sync/backfill';
import type { SyncRequester } from '../bill-sync/sync-requester';
import { sweepIntegration } from '../bill-sync/sweep';
import type { Db } from '../db/pool';
import type { M3terClient } from '../m3ter/client';
import type { BackfillActivities } from './backfill.contract';

export interface BackfillDeps {
  db: Db;
  /** Absent in a deployment that runs from webhook bodies: no backfill, no sweep there. */
  m3ter?: M3terClient;
  syncs: SyncRequester;
}

/** The backfill and sweep activities, each a thin adapter over src/bill-sync/backfill.ts and sweep.ts. */
export function createBackfillActivities(deps: BackfillDeps): BackfillActivities {
  const m3ter = (): M3terClient => {
    if (!deps.m3ter)
      throw ApplicationFailure.nonRetryable('m3ter API credentials are not configured', 'NO_M3TER');
    return deps.m3ter;
  };
  return {
    listBackfillPage: (input) => backfillPage(m3ter(), input),
    requestBackfillSyncs: ({ integrationId, bills }) => requestSyncs(deps.syncs, integrationId, bills),
    awaitBackfillSyncs: async ({ integrationId, bills }) => {
      const context = Context.current();
      return awaitSyncs(deps.syncs, integrationId, bills, () => context.heartbeat());
    },
    recordBackfillProgress: ({ backfillId, progress, status }) =>
      recordBackfill(deps.db, backfillId, progress, status ? { status } : undefined),
    sweepForMissedBills: ({ integrationId }) =>
      sweepIntegration({ db: deps.db, m3ter: m3ter(), syncs: deps.syncs }, integrationId),
  };
}
