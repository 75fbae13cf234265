import type { BillLineItem, PricingBandUsage } from '../m3ter';
import { present } from './format';
import type { DocumentSettings, ItemEntity, ItemLookup } from './types';

type ItemChain = ReadonlyArray<readonly [ItemEntity, string | null | undefined]>;

/** The first mapped QBO Item along a chain of (entity, id), or null: the line is then sent without ItemRef. */
export function firstMappedItem(items: ItemLookup, chain: ItemChain): string | null {
  for (const [entity, id] of chain) {
    const table = items[entity];
    const key = present(id);
    if (table && key !== null && Object.hasOwn(table, key)) {
      const itemId = present(table[key]);
      if (itemId !== null) return itemId;
    }
  }
  return null;
}

/** Accounting product, else product (spec §5.3 for non-usage lines and ITEM_PER_PRODUCT). */
export function productChain(line: BillLineItem): ItemChain {
  return [
    ['Product', line.accountingProductId],
    ['Product', line.productId],
  ];
}

/** (Compound) aggregation, else accounting product, else product (ITEM_PER_AGGREGATION). */
export function aggregationChain(line: BillLineItem): ItemChain {
  return [
    ['Aggregation', line.aggregationId],
    ['CompoundAggregation', line.compoundAggregationId],
    ...productChain(line),
  ];
}

/** Pricing band, else the aggregation chain (ITEM_PER_USAGE_BAND). */
export function bandChain(line: BillLineItem, band: PricingBandUsage): ItemChain {
  return [['PricingBand', band.pricingBandId], ...aggregationChain(line)];
}

/** CREDIT_MEMO / DEBIT_MEMO lines use the integration's item mapping and nothing else. */
export function memoItem(line: BillLineItem, settings: DocumentSettings): string | null | undefined {
  if (line.lineItemType !== 'CREDIT_MEMO' && line.lineItemType !== 'DEBIT_MEMO') return undefined;
  return present(settings.quickBooksItemMapping[line.lineItemType]);
}
