/** Statuses of an integration run (spec §3.5): m3ter's set plus SKIPPED. */
export const RUN_STATUSES = [
  'WAITING',
  'STARTED',
  'COMPLETE',
  'SKIPPED',
  'ERROR',
  'AWAITING_RETRY',
  'RATE_LIMIT_RETRY',
  'AUTH_FAILED',
  'ACCOUNTING_PERIOD_CLOSED',
  'INVOICE_ALREADY_PAID',
  'DISABLED',
  'TIMEOUT_LIMIT_EXCEEDED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run can end in. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  'COMPLETE',
  'SKIPPED',
  'ERROR',
  'AUTH_FAILED',
  'ACCOUNTING_PERIOD_CLOSED',
  'INVOICE_ALREADY_PAID',
  'DISABLED',
  'TIMEOUT_LIMIT_EXCEEDED',
];

/**
 * Final statuses that count towards auto-disable. A paid invoice or a closed period is a fact about
 * the document, not a fault of the integration, so it does not count; a success resets the count.
 */
export const FAILURE_RUN_STATUSES: readonly RunStatus[] = ['ERROR', 'AUTH_FAILED', 'TIMEOUT_LIMIT_EXCEEDED'];

export const INTEGRATION_EVENT_TYPES = [
  'integration.validation.error',
  'integration.missingaccountmapping.error',
  'integration.authentication.error',
  'integration.perform.error',
  'integration.disabled.error',
  /** A linked document was edited, voided or deleted in QuickBooks (its webhook). */
  'integration.quickbooks.document.changed',
] as const;
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];
