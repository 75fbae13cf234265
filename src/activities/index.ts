import { createBackfillActivities, type BackfillDeps } from './backfill.activities';
import type { BackfillActivities } from './backfill.contract';
import { createBillSyncActivities, type BillSyncDeps } from './bill-sync.activities';
import type { BillSyncActivities } from './bill-sync.contract';
import { createReconciliationActivities, type ReconciliationDeps } from './reconciliation.activities';
import type { ReconciliationActivities } from './reconciliation.contract';

export type { BackfillActivities } from './backfill.contract';
export type { BillSyncActivities } from './bill-sync.contract';
export type { ReconciliationActivities } from './reconciliation.contract';

/** Every activity the worker registers. */
export type Activities = BillSyncActivities & BackfillActivities & ReconciliationActivities;

export type ActivityDeps = BillSyncDeps & BackfillDeps & ReconciliationDeps;

/** Built from their dependencies, so tests inject real or emulated ones. */
export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createBillSyncActivities(deps),
    ...createBackfillActivities(deps),
    ...createReconciliationActivities(deps),
  };
}
