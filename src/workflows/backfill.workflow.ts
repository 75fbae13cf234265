import {
  continueAsNew,
  defineQuery,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { BackfillActivities } from '../activities/backfill.contract';
import type { BackfillInput } from '../bill-sync/backfill';
import type { BackfillProgress } from '../db/repositories/backfills.repository';

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

// Listing m3ter and asking for syncs: retried patiently (m3ter's 429s and 5xx, a restarted server).
const m3ter = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 50,
  },
});
// Waiting for a window of syncs: as long as they take, heartbeating so a killed worker's wait resumes elsewhere.
const waits = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});
const db = proxyLocalActivities<BackfillActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
  },
});

/** Pages after which the workflow continues as new, so a backfill over any range keeps a short history. */
const PAGES_PER_RUN = 10;

/**
 * A backfill: page through the bills m3ter has in the range, ask for each bill's sync under its usual key a
 * window at a time, wait for the window, count, and go on; a long range continues as new with its cursor.
 */
export async function billBackfill(input: BackfillInput): Promise<BackfillProgress> {
  const progress: BackfillProgress = input.progress ?? {
    found: 0,
    started: 0,
    complete: 0,
    skipped: 0,
    failed: 0,
  };
  setHandler(backfillProgressQuery, () => progress);
  let cursor = input.cursor;
  for (let pages = 0; pages < PAGES_PER_RUN; pages++) {
    const page = await m3ter.listBackfillPage({ ...input, cursor });
    progress.found += page.bills.length;
    for (let i = 0; i < page.bills.length; i += input.window) {
      const window = page.bills.slice(i, i + input.window);
      progress.started += await m3ter.requestBackfillSyncs({
        integrationId: input.integrationId,
        bills: window,
      });
      await db.recordBackfillProgress({ backfillId: input.backfillId, progress });
      const done = await waits.awaitBackfillSyncs({ integrationId: input.integrationId, bills: window });
      progress.complete += done.complete;
      progress.skipped += done.skipped;
      progress.failed += done.failed;
    }
    await db.recordBackfillProgress({ backfillId: input.backfillId, progress });
    cursor = page.cursor;
    if (!cursor) {
      await db.recordBackfillProgress({ backfillId: input.backfillId, progress, status: 'COMPLETE' });
      return progress;
    }
  }
  // A long range: the same workflow id, a fresh history, where the listing stands.
  return continueAsNew<typeof billBackfill>({ ...input, cursor, progress });
}
