/** The activities of the reconciliation workflow. */
export interface ReconciliationActivities {
  /** Carries out a recorded run (reads m3ter and QuickBooks, stores the results); its counts. */
  reconcile(input: { runId: string }): Promise<{ bills: number; quickBooksReads: number; adopted: number }>;
  recordReconciliationFailure(input: { runId: string; error: string }): Promise<void>;
}
