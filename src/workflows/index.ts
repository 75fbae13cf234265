// Every workflow the worker registers. Workflow code is deterministic: it imports only
// @temporalio/workflow, the pure domain and activity *types*.
export { billSync, billChangedSignal, syncStatusQuery } from './bill-sync.workflow';
export { billBackfill, backfillProgressQuery } from './backfill.workflow';
export { billSweep } from './sweep.workflow';
export { billReconciliation, scheduledReconciliation } from './reconciliation.workflow';
