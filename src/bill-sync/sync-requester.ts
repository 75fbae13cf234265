/**
 * The port through which the bill sync asks for a bill's workflow to run (implemented on Temporal by
 * src/temporal/bill-sync-starter.ts): signal-with-start of `bill-sync/<integration>/<bill>`, so a running
 * workflow takes one more pass with the newest bill instead of a second workflow starting.
 */
export type SyncTrigger = 'webhook' | 'manual' | 'replay' | 'backfill' | 'sweep';

/** What a pass was asked for; passes asked for while one runs are coalesced into one more pass. */
export interface BillChanged {
  trigger: SyncTrigger;
  replayedFromRunId?: string;
  /** A run created as WAITING by the request (send now, replay), for the pass to take over. */
  runId?: string;
}

export interface BillSyncRequest extends BillChanged {
  integrationId: string;
  billId: string;
  /** For the workflow's AccountId search attribute; '' when not known. */
  accountId: string;
}

export interface StartedSync {
  workflowId: string;
}

/** How a bill's workflow ended (its current run): the status of its last pass. */
export interface FinishedSync {
  status: string;
}

export interface SyncRequester {
  requestBillSync(request: BillSyncRequest): Promise<StartedSync>;
  /** Waits for the bill's workflow (its current run) to close; null when there is none. */
  waitForSync(integrationId: string, billId: string): Promise<FinishedSync | null>;
}
