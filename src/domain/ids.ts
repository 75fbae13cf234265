import { createHash } from 'node:crypto';

/**
 * The one module that makes durable identifiers. Nothing else concatenates ids.
 * Pure, but uses node:crypto, so workflow code receives these values as inputs instead of importing them.
 */

/** Temporal workflow id of the sync of one bill by one integration (the business key). */
export function billSyncWorkflowId(integrationId: string, billId: string): string {
  return `bill-sync/${integrationId}/${billId}`;
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

/** Stable marker placed in the document's PrivateNote, used to find the document again after an uncertain create. */
export function documentMarker(billId: string): string {
  return `[m3ter-bill:${billId}]`;
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
