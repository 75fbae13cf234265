import { randomUUID } from 'node:crypto';
import type { Bill, BillLineItem } from '../../src/domain/m3ter';

/** A realistic monthly bill: a standing charge and a usage line, in USD, PENDING. */
export function sampleBill(overrides: Partial<Bill> = {}): Bill {
  const id = overrides.id ?? `bill-${randomUUID()}`;
  return {
    id,
    accountId: overrides.accountId ?? 'acct-1',
    accountCode: 'ACME',
    billDate: '2026-11-01',
    dueDate: '2026-12-01',
    startDate: '2026-10-01',
    endDate: '2026-11-01',
    currency: 'USD',
    status: 'PENDING',
    externalInvoiceDate: '2026-11-01',
    sequentialInvoiceNumber: null,
    version: 1,
    lineItems: [
      line({
        description: 'Platform fee',
        lineItemType: 'STANDING_CHARGE',
        quantity: 1,
        subtotal: 100,
        productId: 'prod-platform',
      }),
      line({
        description: 'API calls',
        lineItemType: 'USAGE',
        quantity: 12345,
        units: 12345,
        subtotal: 123.45,
        averageUnitPrice: 0.01,
        productId: 'prod-api',
        aggregationId: 'agg-calls',
      }),
    ],
    ...overrides,
  } as Bill;
}

export function line(
  l: Partial<BillLineItem> & Pick<BillLineItem, 'lineItemType' | 'subtotal'>,
): BillLineItem {
  return {
    id: randomUUID(),
    description: '',
    quantity: 0,
    servicePeriodStartDate: '2026-10-01T00:00:00Z',
    servicePeriodEndDate: '2026-11-01T00:00:00Z',
    currency: 'USD',
    ...l,
  } as BillLineItem;
}

export const ACME_ACCOUNT = {
  id: 'acct-1',
  code: 'ACME',
  name: 'Acme Corp',
  emailAddress: 'billing@acme.example',
  currency: 'USD',
  address: {
    addressLine1: '1 Main St',
    locality: 'Springfield',
    region: 'IL',
    postCode: '62701',
    country: 'US',
  },
  customFields: { country: 'US', accountManager: 'am@seller.example' },
  version: 1,
};
