import type { BackfillCursor, BackfillInput } from '../bill-sync/backfill';
import type { BillListPage, ListedBill } from '../bill-sync/bill-discovery';
import type { BackfillProgress } from '../db/repositories/backfills.repository';

/** The activities of the backfill and sweep workflows. */
export interface BackfillActivities {
  listBackfillPage(
    input: Pick<BackfillInput, 'from' | 'to' | 'accountIds' | 'cursor'>,
  ): Promise<BillListPage & { cursor?: BackfillCursor }>;
  /** Signal-with-start of each in-scope bill's sync; the bills asked for and how many were out of scope. */
  requestBackfillSyncs(input: {
    integrationId: string;
    bills: ListedBill[];
  }): Promise<{ requested: ListedBill[]; outOfScope: number }>;
  awaitBackfillSyncs(input: {
    integrationId: string;
    bills: ListedBill[];
  }): Promise<Pick<BackfillProgress, 'complete' | 'skipped' | 'failed'>>;
  recordBackfillProgress(input: {
    backfillId: string;
    progress: BackfillProgress;
    status?: 'COMPLETE' | 'FAILED';
    error?: string;
  }): Promise<void>;
  sweepForMissedBills(input: { integrationId: string }): Promise<{ listed: number; requested: number }>;
}
