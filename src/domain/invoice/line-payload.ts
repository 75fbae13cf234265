import { fromMinor } from '../money';
import type { DraftLine } from './draft-line';
import { formatQuantity, truncate } from './format';
import { QBO_LIMITS, type QboSalesItemLine } from './qbo-document';
import { quantityAndPrice } from './quantity-price';

/** The QBO line for a draft: Qty/UnitPrice only when they reproduce the Amount, else the quantity in words. */
export function renderLine(draft: DraftLine, currency: string): QboSalesItemLine {
  const priced = quantityAndPrice(draft.amountMinor, currency, draft.quantities, draft.unitPrices);
  let description = draft.description;
  if (!priced && draft.displayQuantity !== null && draft.displayQuantity !== 0) {
    const quantity = [formatQuantity(draft.displayQuantity), draft.unit].filter(Boolean).join(' ');
    description = description ? `${description} — ${quantity}` : quantity;
  }
  return {
    DetailType: 'SalesItemLineDetail',
    Amount: fromMinor(draft.amountMinor, currency),
    ...(description ? { Description: truncate(description, QBO_LIMITS.lineDescription) } : {}),
    SalesItemLineDetail: {
      ...(draft.itemId ? { ItemRef: { value: draft.itemId } } : {}),
      ...(priced ? { Qty: priced.qty, UnitPrice: priced.unitPrice } : {}),
      ...(draft.serviceDate ? { ServiceDate: draft.serviceDate } : {}),
    },
  };
}
