import type { Bill, BillLineItem, PricingBandUsage } from '../m3ter';
import { QBO_LIMITS } from './qbo-document';
import { lineLabel, present } from './format';
import type { DocumentSettings, InvalidDocumentCode } from './types';

/** A bill line that goes on the document, with its amount in the bill currency. */
export interface SelectedLine {
  /** 0-based position in `bill.lineItems`. */
  index: number;
  line: BillLineItem;
  amount: number;
  /** The line is priced in another currency: use the converted subtotals. */
  converted: boolean;
}

export type Selection =
  { ok: true; lines: SelectedLine[] } | { ok: false; code: InvalidDocumentCode; message: string };

/**
 * Spec §5.3, first step: bill order; drop excluded types, excluded products (the accounting product when
 * the line has one, else the product), excluded (compound) aggregations, and — unless
 * `sendZeroQuantityLineItems` — lines with zero quantity and zero amount. A line carrying money is never dropped.
 */
export function selectLines(bill: Bill, settings: DocumentSettings): Selection {
  const lines: SelectedLine[] = [];
  for (const [index, line] of bill.lineItems.entries()) {
    if (isExcluded(line, settings)) continue;
    const converted = isConverted(line, bill.currency);
    const amount = converted ? line.convertedSubtotal : line.subtotal;
    if (amount === null || amount === undefined) {
      const message = `${lineLabel(index, line)} is in ${line.currency}, the bill in ${bill.currency}, and it has no convertedSubtotal`;
      return { ok: false, code: 'LINE_CURRENCY_UNCONVERTED', message };
    }
    if (!isSendableAmount(amount)) {
      const message = `${lineLabel(index, line)} has an amount QuickBooks cannot take: ${amount}`;
      return { ok: false, code: 'AMOUNT_OUT_OF_RANGE', message };
    }
    if (!settings.sendZeroQuantityLineItems && (line.quantity ?? 0) === 0 && amount === 0) continue;
    lines.push({ index, line, amount, converted });
  }
  return { ok: true, lines };
}

function isExcluded(line: BillLineItem, settings: DocumentSettings): boolean {
  if ((settings.excludedLineItemTypes as readonly string[]).includes(line.lineItemType)) return true;
  const product = present(line.accountingProductId) ?? present(line.productId);
  if (product !== null && settings.excludedProductIds.includes(product)) return true;
  return [line.aggregationId, line.compoundAggregationId].some((id) => {
    const aggregation = present(id);
    return aggregation !== null && settings.excludedAggregationIds.includes(aggregation);
  });
}

function isConverted(line: BillLineItem, billCurrency: string): boolean {
  const currency = present(line.currency);
  return currency !== null && currency.toUpperCase() !== billCurrency.toUpperCase();
}

/** Finite and within QBO's 10 integer digits. */
export function isSendableAmount(amount: number): boolean {
  return Number.isFinite(amount) && Math.abs(amount) < QBO_LIMITS.maxAbsAmount;
}

/** A band's amount in the bill currency, or null when the band does not say. */
export function bandAmount(band: PricingBandUsage, converted: boolean): number | null {
  const amount = converted ? band.convertedBandSubtotal : band.bandSubtotal;
  return amount === undefined || amount === null || !isSendableAmount(amount) ? null : amount;
}
