import {
  ApplicationFailure,
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
// Waiting for a window of syncs: as long as they take, heartbeating, so a killed worker's wait resumes elsewhere.
const waits = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '30 seconds',
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

/** Pages (of up to 100 bills) after which the workflow continues as new, so any range keeps a short history. */
const PAGES_PER_RUN = 10;

/**
 * A backfill: page through the bills m3ter has in the range, ask for each in-scope bill's sync under its
 * usual key a window at a time, wait for the window, count, and go on; a long range continues as new with
 * its cursor. Its row (src/db/repositories/backfills.repository.ts) shows the progress.
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
  const { backfillId, integrationId } = input;
  let cursor = input.cursor;
  try {
    for (let pages = 0; pages < PAGES_PER_RUN; pages++) {
      const page = await m3ter.listBackfillPage({ ...input, cursor });
      progress.found += page.bills.length;
      for (let i = 0; i < page.bills.length; i += input.window) {
        const asked = await m3ter.requestBackfillSyncs({
          integrationId,
          bills: page.bills.slice(i, i + input.window),
        });
        progress.started += asked.requested.length;
        progress.skipped += asked.outOfScope;
        await db.recordBackfillProgress({ backfillId, progress });
        const done = await waits.awaitBackfillSyncs({ integrationId, bills: asked.requested });
        progress.complete += done.complete;
        progress.skipped += done.skipped;
        progress.failed += done.failed;
      }
      cursor = page.cursor;
      if (!cursor) {
        await db.recordBackfillProgress({ backfillId, progress, status: 'COMPLETE' });
        return progress;
      }
      await db.recordBackfillProgress({ backfillId, progress });
    }
  } catch (err) {
    const message =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await db.recordBackfillProgress({ backfillId, progress, status: 'FAILED', error: message });
    throw ApplicationFailure.nonRetryable(`backfill failed: ${message}`, 'BACKFILL_FAILED');
  }
  // A long range: the same workflow id, a fresh history, where the listing stands.
  return continueAsNew<typeof billBackfill>({ ...input, cursor, progress });
}
