import { createHash } from 'node:crypto';
import { hashableDocument, type BuiltDocument, type QboDocument } from './invoice';

/**
 * The one module that makes durable identifiers. Nothing else concatenates ids.
 * Pure, but uses node:crypto, so workflow code receives these values as inputs instead of importing them.
 */

/** Temporal workflow id of the sync of one bill by one integration (the business key). */
export function billSyncWorkflowId(integrationId: string, billId: string): string {
  return `bill-sync/${integrationId}/${billId}`;
}

/** Temporal workflow id of one backfill. */
export function backfillWorkflowId(backfillId: string): string {
  return `backfill/${backfillId}`;
}

/** Temporal workflow id of one reconciliation run. */
export function reconciliationWorkflowId(runId: string): string {
  return `reconciliation/${runId}`;
}

/** Temporal schedule id of an integration's daily reconciliation (its workflows are named after it). */
export function reconciliationScheduleId(integrationId: string): string {
  return `reconciliation-schedule/${integrationId}`;
}

/** Temporal schedule id of an integration's sweep for missed webhooks (its workflows are named after it). */
export function sweepScheduleId(integrationId: string): string {
  return `sweep/${integrationId}`;
}

/**
 * QuickBooks `requestid` for one logical write. QBO replays the first response for a repeated id
 * (per realm), so retries of the same create never create a second document. Max 50 chars.
 */
export function quickBooksRequestId(
  integrationId: string,
  billId: string,
  operation: string,
  generation: number,
): string {
  const digest = createHash('sha256')
    .update(`${integrationId}\u0000${billId}\u0000${operation}\u0000${generation}`)
    .digest('hex');
  return `m3q-${digest.slice(0, 40)}`;
}

/**
 * The id of the run of one workflow pass: a UUID (v4 layout) derived from the Temporal run and the start
 * step's activity id, so a retried start records the same run.
 */
export function passRunId(workflowRunId: string, activityId: string): string {
  const h = createHash('sha256').update(`${workflowRunId}/${activityId}`).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Stable marker placed in the document's PrivateNote, used to find the document again after an uncertain create. */
export function documentMarker(billId: string): string {
  return `[m3ter-bill:${billId}]`;
}

/**
 * The hash that says whether a document changed (spec §5.5 "same payload hash → no QBO call"): of its type
 * and payload only. The one place a document is hashed.
 */
export function documentHash(document: QboDocument | BuiltDocument): string {
  return contentHash(hashableDocument(document));
}

/** Hash of a JSON-serialisable value with sorted keys: equal content, equal hash. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}
