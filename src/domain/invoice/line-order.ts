import type { SortLineItemsBy } from '../integration-settings';
import type { DraftLine } from './draft-line';

/**
 * `sortLineItemsBy`: NONE keeps bill order; SUBTOTAL puts the largest amount (as it reads on the document)
 * first; AGGREGATION_ID orders by (compound) aggregation id, lines without one last. Both are stable.
 */
export function sortLines(lines: readonly DraftLine[], by: SortLineItemsBy): DraftLine[] {
  const ordered = [...lines];
  if (by === 'SUBTOTAL') ordered.sort((a, b) => b.amountMinor - a.amountMinor);
  if (by === 'AGGREGATION_ID') ordered.sort((a, b) => compareIds(a.aggregationId, b.aggregationId));
  return ordered;
}

function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
