import { createBillSyncActivities, type BillSyncDeps } from './bill-sync.activities';
import type { BillSyncActivities } from './bill-sync.contract';

export type { BillSyncActivities } from './bill-sync.contract';

/** Every activity the worker registers. */
export type Activities = BillSyncActivities;

export type ActivityDeps = BillSyncDeps;

/** Built from their dependencies, so tests inject real or emulated ones. */
export function createActivities(deps: ActivityDeps): Activities {
  return createBillSyncActivities(deps);
}
