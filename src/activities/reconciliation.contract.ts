/** The activities of the reconciliation workflow. */
export interface ReconciliationActivities {
  /** Carries out a recorded run (reads m3ter and QuickBooks, stores the results); its counts. */
  reconcile(input: { runId: string }): Promise<{ bills: number; quickBooksReads: number; adopted: number }>;
  /** The schedule's run over the last two billing months, recorded; null when there is nothing to do. */
  openScheduledReconciliation(input: { integrationId: string }): Promise<{ runId: string } | null>;
  recordReconciliationFailure(input: { runId: string; error: string }): Promise<void>;
  /**
   * The webhooks' fallback: ChangeDataCapture of the integration's company since the last poll, through the
   * webhook's handler; null when the integration is gone or not connected.
   */
  pollQuickBooksChanges(input: {
    integrationId: string;
  }): Promise<{ changes: number; new: number; events: number; paid: number } | null>;
}
