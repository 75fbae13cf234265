import type { Eligibility } from '../bill-sync/eligibility';
import type { ResolvedCustomer } from '../bill-sync/customer-resolution';
import type { UpsertResult } from '../bill-sync/document-upsert';
import type { RecordFailureInput, RecordFailureResult } from '../bill-sync/failure-recording';
import type { FinishRunInput, StartRunInput } from '../bill-sync/run-lifecycle';
import type { QboDocumentType } from '../domain/invoice';
import type { RunStatus } from '../domain/run-status';

/**
 * Small typed inputs and results of the bill-sync activities: ids, statuses and hashes, never whole bills
 * or QuickBooks documents (those stay in PostgreSQL, keyed by the run id).
 */
export type {
  Eligibility,
  FinishRunInput,
  RecordFailureInput,
  RecordFailureResult,
  ResolvedCustomer,
  StartRunInput,
  UpsertResult,
};

export interface RunRef {
  runId: string;
}

export interface BuildInput extends RunRef {
  /** The customer resolveCustomer found; absent: the account's recorded mapping (if this worker knows it). */
  customer?: ResolvedCustomer;
}

export type BuildSummary =
  | {
      kind: 'built';
      documentType: QboDocumentType;
      payloadHash: string;
      lineCount: number;
      /** e.g. `921.50 USD`. */
      total: string;
      /** The account's name, for the step summaries the Temporal Web UI shows. */
      customerName: string;
      /** Whether the upsert will update a document this integration already sent. */
      operation: 'create' | 'update';
    }
  /** Nothing to send (no lines). */
  | { kind: 'skip'; reason: string }
  /** The customer is not known without asking QuickBooks: resolve it, then build again with it. */
  | { kind: 'needs-customer' };

export interface NotifyDisabledInput {
  integrationId: string;
  disablementId: string;
}

/** The activities the bill-sync workflow calls; createActivities(deps) implements them. */
export interface BillSyncActivities {
  startRun(input: StartRunInput): Promise<RunRef>;
  /** Reads the current bill (from m3ter's API) and checks approval and filters. */
  checkEligibility(input: RunRef): Promise<Eligibility>;
  /** The QuickBooks customer of the bill's account: mapped, linked by name or created (a QuickBooks step). */
  resolveCustomer(input: RunRef): Promise<ResolvedCustomer>;
  /**
   * Builds the document for the given customer, or for the account's mapped customer when this worker knows
   * it without asking QuickBooks (the steady state); else says the customer must be resolved first.
   */
  buildDocument(input: BuildInput): Promise<BuildSummary>;
  /** Creates or updates the document exactly once and records the run's end (COMPLETE, or SKIPPED: unchanged). */
  upsertDocument(input: RunRef): Promise<UpsertResult & { status: RunStatus }>;
  finishRun(input: FinishRunInput): Promise<void>;
  recordFailure(input: RecordFailureInput): Promise<RecordFailureResult>;
  notifyIntegrationDisabled(input: NotifyDisabledInput): Promise<void>;
}
