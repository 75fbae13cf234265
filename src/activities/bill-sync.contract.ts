import type { RunStatus } from '../domain/run-status';
import type { SyncFailure } from '../domain/sync-failure';

/**
 * Small typed inputs and results of the bill-sync activities: ids, statuses and hashes, never whole bills
 * or QuickBooks documents (those stay in PostgreSQL, keyed by the run id).
 */

export type SyncTrigger = 'webhook' | 'manual' | 'replay';

export interface StartRunInput {
  integrationId: string;
  billId: string;
  workflowId: string;
  workflowRunId: string;
  trigger: SyncTrigger;
  replayedFromRunId?: string;
}

export interface RunRef {
  runId: string;
}

export type Eligibility =
  | { proceed: true; accountId: string; billVersion: number }
  | {
      proceed: false;
      status: Extract<RunStatus, 'SKIPPED' | 'DISABLED'>;
      reason: string;
      accountId?: string;
    };

export interface CurrencyFacts {
  multiCurrencyEnabled: boolean;
  homeCurrency: string;
  customerCurrency: string | null;
}

export interface ResolvedCustomer {
  customerId: string;
  /** How it was found: an existing mapping, a QBO customer with the account's name, or a new one. */
  via: 'mapping' | 'linked-by-name' | 'created';
  currency: CurrencyFacts;
}

export interface BuildInput extends RunRef {
  customerId: string;
  currency: CurrencyFacts;
}

export type BuildSummary =
  | {
      proceed: true;
      documentType: 'Invoice' | 'CreditMemo';
      payloadHash: string;
      lineCount: number;
      total: string;
    }
  | { proceed: false; status: 'SKIPPED'; reason: string };

export interface UpsertResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'recreated' | 'adopted';
  externalId: string;
  externalType: 'Invoice' | 'CreditMemo';
  url: string;
  warnings: string[];
}

export interface FinishRunInput extends RunRef {
  status: RunStatus;
  message?: string;
  result?: UpsertResult;
}

export interface RecordFailureInput extends RunRef {
  failure: SyncFailure;
  /** True when a retryable failure ran out of attempts. */
  exhausted: boolean;
}

export interface RecordFailureResult {
  status: RunStatus;
  /** Set when this failure disabled the integration: notify once per disablement. */
  disablementId?: string;
}

export interface NotifyDisabledInput {
  integrationId: string;
  disablementId: string;
}

/** The activities the bill-sync workflow calls; createActivities(deps) implements them. */
export interface BillSyncActivities {
  startRun(input: StartRunInput): Promise<RunRef>;
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
