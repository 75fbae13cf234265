import { z } from 'zod';

/**
 * m3ter objects as m3ter sends them (field names as in its API). Unknown fields are kept, so an
 * object stored can be replayed later exactly as received. As lenient as m3ter's own types where m3ter
 * may change: a line type or a currency code m3ter adds later still parses (the document builder
 * decides what it can send).
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected a date YYYY-MM-DD');
const nullableString = z.string().nullish();
const finite = z.number().finite();

export const LINE_ITEM_TYPES = [
  'STANDING_CHARGE',
  'USAGE',
  'USAGE_CREDIT',
  'MINIMUM_SPEND',
  'MINIMUM_SPEND_REFUND',
  'CREDIT_MEMO',
  'DEBIT_MEMO',
  'COMMITMENT_FEE',
  'COMMITMENT_CONSUMED',
  'OVERAGE_SURCHARGE',
  'OVERAGE_USAGE',
  'BALANCE_FEE',
  'BALANCE_CONSUMED',
  'CREDIT_DEDUCTION',
  'MANUAL_ADJUSTMENT',
  'COUNTER_RUNNING_TOTAL_CHARGE',
  'COUNTER_ADJUSTMENT_DEBIT',
  'COUNTER_ADJUSTMENT_CREDIT',
  'AD_HOC',
] as const;
export const LineItemTypeSchema = z.enum(LINE_ITEM_TYPES);
export type LineItemType = z.infer<typeof LineItemTypeSchema>;

/** Whether a bill line's type is one this version knows (m3ter adds types over time). */
export function isKnownLineItemType(type: string): type is LineItemType {
  return (LINE_ITEM_TYPES as readonly string[]).includes(type);
}

/** Usage-type lines follow the `splitUsageLineItems` setting. */
export const USAGE_LINE_ITEM_TYPES: readonly string[] = ['USAGE', 'USAGE_CREDIT', 'OVERAGE_USAGE'];

export const PricingBandUsageSchema = z.looseObject({
  pricingBandId: nullableString,
  lowerLimit: finite.nullish(),
  bandQuantity: finite.nullish(),
  bandUnits: finite.nullish(),
  unitPrice: finite.nullish(),
  fixedPrice: finite.nullish(),
  unitSubtotal: finite.nullish(),
  bandSubtotal: finite.nullish(),
  convertedBandSubtotal: finite.nullish(),
});
export type PricingBandUsage = z.infer<typeof PricingBandUsageSchema>;

export const BillLineItemSchema = z.looseObject({
  id: nullableString,
  description: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  /** Any string: a type m3ter adds later is sent as a plain line (with a warning), never dropped. */
  lineItemType: z.string().min(1).max(100),
  quantity: finite.nullish().transform((v) => v ?? 0),
  units: finite.nullish(),
  unit: nullableString,
  subtotal: finite,
  convertedSubtotal: finite.nullish(),
  conversionRate: finite.nullish(),
  currency: nullableString,
  averageUnitPrice: finite.nullish(),
  productId: nullableString,
  productCode: nullableString,
  productName: nullableString,
  accountingProductId: nullableString,
  accountingProductCode: nullableString,
  accountingProductName: nullableString,
  aggregationId: nullableString,
  compoundAggregationId: nullableString,
  planId: nullableString,
  pricingId: nullableString,
  sequenceNumber: z.number().int().nullish(),
  servicePeriodStartDate: nullableString,
  servicePeriodEndDate: nullableString,
  usagePerPricingBand: z.array(PricingBandUsageSchema).nullish(),
});
export type BillLineItem = z.infer<typeof BillLineItemSchema>;

/** PENDING or APPROVED in 2026; read as any string so a status m3ter adds does not reject the bill. */
export const BillStatusSchema = z.string().min(1).max(50);
export type BillStatus = z.infer<typeof BillStatusSchema>;

export const BillSchema = z.looseObject({
  id: z.string().min(1),
  accountId: z.string().min(1),
  accountCode: nullableString,
  billDate: isoDate.nullish(),
  dueDate: isoDate.nullish(),
  startDate: isoDate.nullish(),
  endDate: isoDate.nullish(),
  billingFrequency: nullableString,
  /** A free string in m3ter (custom currencies exist); the builder refuses one QuickBooks does not know. */
  currency: z.string().min(1).max(20),
  status: BillStatusSchema.default('PENDING'),
  locked: z.boolean().nullish(),
  externalInvoiceDate: isoDate.nullish(),
  externalInvoiceReference: nullableString,
  sequentialInvoiceNumber: nullableString,
  purchaseOrderNumber: nullableString,
  billTotal: finite.nullish(),
  version: z
    .number()
    .int()
    .nonnegative()
    .nullish()
    .transform((v) => v ?? 1),
  lastCalculatedDate: nullableString,
  dtLastModified: nullableString,
  lineItems: z
    .array(BillLineItemSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type Bill = z.infer<typeof BillSchema>;

export const AddressSchema = z.looseObject({
  addressLine1: nullableString,
  addressLine2: nullableString,
  addressLine3: nullableString,
  addressLine4: nullableString,
  locality: nullableString,
  region: nullableString,
  postCode: nullableString,
  country: nullableString,
});
export type Address = z.infer<typeof AddressSchema>;

const customFields = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const AccountSchema = z.looseObject({
  id: z.string().min(1),
  code: nullableString,
  name: z.string().min(1),
  emailAddress: nullableString,
  /** Overrides the organization's currency; a free string in m3ter, like a bill's. */
  currency: z.string().min(1).max(20).nullish(),
  address: AddressSchema.nullish(),
  customFields: customFields.nullish(),
  parentAccountId: nullableString,
  purchaseOrderNumber: nullableString,
  daysBeforeBillDue: z.number().int().nullish(),
  version: z.number().int().nullish(),
});
export type Account = z.infer<typeof AccountSchema>;

export const ProductSchema = z.looseObject({
  id: z.string().min(1),
  code: nullableString,
  name: z.string().min(1),
  customFields: customFields.nullish(),
  version: z.number().int().nullish(),
});
export type Product = z.infer<typeof ProductSchema>;

export const AggregationSchema = z.looseObject({
  id: z.string().min(1),
  code: nullableString,
  name: z.string().min(1),
  accountingProductId: nullableString,
  unit: nullableString,
  version: z.number().int().nullish(),
});
export type Aggregation = z.infer<typeof AggregationSchema>;

export const CompoundAggregationSchema = z.looseObject({
  id: z.string().min(1),
  code: nullableString,
  name: z.string().min(1),
  productId: nullableString,
  accountingProductId: nullableString,
  unit: nullableString,
  version: z.number().int().nullish(),
});
export type CompoundAggregation = z.infer<typeof CompoundAggregationSchema>;

export const OrgUserSchema = z.looseObject({
  id: z.string().min(1),
  firstName: nullableString,
  lastName: nullableString,
  name: nullableString,
  email: z.email(),
});
export type OrgUser = z.infer<typeof OrgUserSchema>;

/** What a bill says of its account, for when the account itself is not (yet) known to us. */
export function accountFromBill(bill: Pick<Bill, 'accountId' | 'accountCode'>): Account {
  return { id: bill.accountId, code: bill.accountCode ?? null, name: bill.accountCode ?? bill.accountId };
}
