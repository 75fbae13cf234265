/** One document line before rendering: amounts in minor units, in the bill's sign until a credit memo flips it. */
export interface DraftLine {
  amountMinor: number;
  description: string;
  /** Quantities to try for Qty, best first (quantity, then rated units). */
  quantities: Array<number | null | undefined>;
  /** Unit prices to try for UnitPrice, best first. */
  unitPrices: Array<number | null | undefined>;
  /** Shown in the description when Qty/UnitPrice cannot be sent; null = none to show. */
  displayQuantity: number | null;
  unit: string | null;
  serviceDate: string | null;
  itemId: string | null;
  /** Aggregation or compound aggregation id, for AGGREGATION_ID sorting. */
  aggregationId: string | null;
  /** Names the source in warnings, e.g. "line 3 (API calls)". */
  label: string;
}
