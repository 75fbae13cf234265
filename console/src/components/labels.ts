import type { Schemas } from '../api/client';

/** The words the console shows for the API's values (m3ter's Console wording). */

export const DESTINATION_LABELS: Record<Schemas['Integration']['destination'], string> = {
  QuickBooks: 'QuickBooks',
  QuickBooksSandbox: 'QuickBooks Sandbox',
};

export const SPLIT_LABELS: Record<Schemas['Integration']['splitUsageLineItems'], string> = {
  ITEM_PER_USAGE_BAND: 'Item per usage band',
  ITEM_PER_PRODUCT: 'Item per product',
  ITEM_PER_AGGREGATION: 'Item per aggregation',
};

export const SORT_LABELS: Record<Schemas['Integration']['sortLineItemsBy'], string> = {
  NONE: 'None',
  SUBTOTAL: 'Subtotal',
  AGGREGATION_ID: 'Aggregation ID',
};

type LineItemType = Schemas['Integration']['excludedLineItemTypes'][number];
/** Every m3ter line item type: the record's keys must be exactly the API's enum (a new type fails the typecheck). */
const LINE_ITEM_TYPE_SET: Record<LineItemType, true> = {
  STANDING_CHARGE: true,
  USAGE: true,
  USAGE_CREDIT: true,
  MINIMUM_SPEND: true,
  MINIMUM_SPEND_REFUND: true,
  CREDIT_MEMO: true,
  DEBIT_MEMO: true,
  COMMITMENT_FEE: true,
  COMMITMENT_CONSUMED: true,
  OVERAGE_SURCHARGE: true,
  OVERAGE_USAGE: true,
  BALANCE_FEE: true,
  BALANCE_CONSUMED: true,
  CREDIT_DEDUCTION: true,
  MANUAL_ADJUSTMENT: true,
  COUNTER_RUNNING_TOTAL_CHARGE: true,
  COUNTER_ADJUSTMENT_DEBIT: true,
  COUNTER_ADJUSTMENT_CREDIT: true,
  AD_HOC: true,
};
export const LINE_ITEM_TYPES = Object.keys(LINE_ITEM_TYPE_SET) as LineItemType[];

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
