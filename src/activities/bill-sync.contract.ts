import type { FetchedBill } from '../bill-sync/bill-fetch';
import type { Eligibility } from '../bill-sync/eligibility';
import type { ResolvedCustomer } from '../bill-sync/customer-resolution';
import type { UpsertResult } from '../bill-sync/document-upsert';
import type { RecordFailureInput, RecordFailureResult } from '../bill-sync/failure-recording';
import type { FinishRunInput, StartRunInput } from '../bill-sync/run-lifecycle';
import type { QboDocumentType } from '../domain/invoice';

/**
 * Small typed inputs and results of the bill-sync activities: ids, statuses and hashes, never whole bills
 * or QuickBooks documents (those stay in PostgreSQL, keyed by the run id).
 */
export type {
  Eligibility,
  FetchedBill,
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
  customer: ResolvedCustomer;
}

export type BuildSummary =
  | {
      proceed: true;
      documentType: QboDocumentType;
      payloadHash: string;
      lineCount: number;
      total: string;
    }
  | { proceed: false; status: 'SKIPPED'; reason: string };

export interface NotifyDisabledInput {
  integrationId: string;
  disablementId: string;
}

/** The activities the bill-sync workflow calls; createActivities(deps) implements them. */
export interface BillSyncActivities {
  startRun(input: StartRunInput): Promise<RunRef>;
  /** Reads the current bill (from m3ter's API) and stores it; its account is fetched when not known. */
  fetchBill(input: RunRef): Promise<FetchedBill>;
  checkEligibility(input: RunRef): Promise<Eligibility>;
  /** The customer when no QuickBooks call is needed to know it (mapped, currency cached); else null. */
  findKnownCustomer(input: RunRef): Promise<ResolvedCustomer | null>;
  resolveCustomer(input: RunRef): Promise<ResolvedCustomer>;
  buildDocument(input: BuildInput): Promise<BuildSummary>;
  upsertDocument(input: RunRef): Promise<UpsertResult>;
  finishRun(input: FinishRunInput): Promise<void>;
  recordFailure(input: RecordFailureInput): Promise<RecordFailureResult>;
  notifyIntegrationDisabled(input: NotifyDisabledInput): Promise<void>;
}
