import { proxyActivities } from '@temporalio/workflow';
import type { BackfillActivities } from '../activities/backfill.contract';

const m3ter = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
});

/**
 * One sweep for missed webhooks, started by the integration's Temporal Schedule: the bills m3ter has dated
 * recently whose newest version no run has seen are synced (src/bill-sync/sweep.ts).
 */
export async function billSweep(input: {
  integrationId: string;
}): Promise<{ listed: number; requested: number }> {
  return m3ter.sweepForMissedBills(input);
}
