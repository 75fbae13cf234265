export type { BillSyncActivities } from './bill-sync.contract';
import type { BillSyncActivities } from './bill-sync.contract';

/** Every activity the worker registers. */
export type Activities = BillSyncActivities;
