import { z } from 'zod';

/**
 * m3ter API responses, parsed as leniently as m3ter's own generated SDK types: only ids are required,
 * everything else is optional (and may be null), enumerations m3ter extends over time are free strings,
 * and unknown fields are kept (z.looseObject) so nothing m3ter adds is lost.
 */

const str = z.string().nullish();
const num = z.number().nullish();
const bool = z.boolean().nullish();
const record = z.record(z.string(), z.unknown()).nullish();

/** The 19 line types m3ter had in 2026; the list grows, so `lineItemType` is parsed as any string. */
export const KNOWN_LINE_ITEM_TYPES = [
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
export type KnownLineItemType = (typeof KNOWN_LINE_ITEM_TYPES)[number];

export const BILL_STATUSES = ['PENDING', 'APPROVED'] as const;

export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: str,
  scope: str,
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** One pricing band's share of a line (`usagePerPricingBand` inside a bill, `bandUsage` on the line-items endpoint). */
export const BandUsageSchema = z.looseObject({
  pricingBandId: str,
  lowerLimit: num,
  bandQuantity: num,
  bandUnits: num,
  unitPrice: num,
  fixedPrice: num,
  unitSubtotal: num,
  bandSubtotal: num,
  convertedBandSubtotal: num,
  creditTypeId: str,
});
export type BandUsage = z.infer<typeof BandUsageSchema>;

const lineItemFields = {
  id: str,
  description: str,
  /** A free string: unknown types must not reject a bill. */
  lineItemType: str,
  quantity: num,
  units: num,
  unit: str,
  subtotal: num,
  convertedSubtotal: num,
  conversionRate: num,
  currency: str,
  averageUnitPrice: num,
  productId: str,
  productCode: str,
  productName: str,
  accountingProductId: str,
  accountingProductCode: str,
  accountingProductName: str,
  planId: str,
  planGroupId: str,
  pricingId: str,
  aggregationId: str,
  compoundAggregationId: str,
  meterId: str,
  counterId: str,
  commitmentId: str,
  balanceId: str,
  chargeId: str,
  contractId: str,
  creditTypeId: str,
  reasonId: str,
  referencedBillId: str,
  referencedLineItemId: str,
  sequenceNumber: num,
  servicePeriodStartDate: str,
  servicePeriodEndDate: str,
  segment: record,
  group: record,
  additional: record,
};

/**
 * A line item embedded in a Bill. m3ter's docs require averageUnitPrice, conversionRate, convertedSubtotal,
 * currency, description, lineItemType, quantity, subtotal, unit and units; parsed with all optional anyway.
 */
export const BillLineItemSchema = z.looseObject({
  ...lineItemFields,
  childAccountId: str,
  childAccountCode: str,
  usagePerPricingBand: z.array(BandUsageSchema).nullish(),
});
export type BillLineItem = z.infer<typeof BillLineItemSchema>;

/** A line from `GET /bills/{billId}/lineitems`: bands are `bandUsage`, plus billId and version. */
export const LineItemSchema = z.looseObject({
  ...lineItemFields,
  billId: str,
  accountId: str,
  jsonUsageGenerated: bool,
  bandUsage: z.array(BandUsageSchema).nullish(),
  version: num,
  dtCreated: str,
  dtLastModified: str,
  createdBy: str,
  lastModifiedBy: str,
});
export type LineItem = z.infer<typeof LineItemSchema>;

const auditFields = {
  version: num,
  dtCreated: str,
  dtLastModified: str,
  createdBy: str,
  lastModifiedBy: str,
};

export const CurrencyConversionSchema = z.looseObject({ from: str, to: str, multiplier: num });

/** A Bill: only `id` is required. `currency` is a free string (custom currencies exist), `status` too. */
export const BillSchema = z.looseObject({
  id: z.string().min(1),
  accountId: str,
  accountCode: str,
  billDate: str,
  dueDate: str,
  startDate: str,
  endDate: str,
  startDateTimeUTC: str,
  endDateTimeUTC: str,
  timezone: str,
  billingFrequency: str,
  billFrequencyInterval: num,
  currency: str,
  currencyConversions: z.array(CurrencyConversionSchema).nullish(),
  billTotal: num,
  status: str,
  locked: bool,
  dtLocked: str,
  lockedBy: str,
  dtApproved: str,
  approvedBy: str,
  externalInvoiceDate: str,
  externalInvoiceReference: str,
  sequentialInvoiceNumber: str,
  purchaseOrderNumber: str,
  billJobId: str,
  lastCalculatedDate: str,
  createdDate: str,
  csvStatementGenerated: bool,
  jsonStatementGenerated: bool,
  statementStale: bool,
  lineItems: z.array(BillLineItemSchema).nullish(),
  ...auditFields,
});
export type Bill = z.infer<typeof BillSchema>;

export const AddressSchema = z.looseObject({
  addressLine1: str,
  addressLine2: str,
  addressLine3: str,
  addressLine4: str,
  locality: str,
  region: str,
  postCode: str,
  country: str,
});

export const AccountSchema = z.looseObject({
  id: z.string().min(1),
  code: str,
  name: str,
  emailAddress: str,
  address: AddressSchema.nullish(),
  currency: str,
  customFields: record,
  daysBeforeBillDue: num,
  parentAccountId: str,
  purchaseOrderNumber: str,
  billEpoch: str,
  ...auditFields,
});
export type Account = z.infer<typeof AccountSchema>;

export const ProductSchema = z.looseObject({
  id: z.string().min(1),
  code: str,
  name: str,
  customFields: record,
  ...auditFields,
});
export type Product = z.infer<typeof ProductSchema>;

export const AggregationSchema = z.looseObject({
  id: z.string().min(1),
  code: str,
  name: str,
  meterId: str,
  targetField: str,
  aggregation: str,
  customSql: str,
  quantityPerUnit: num,
  rounding: str,
  unit: str,
  segmentedFields: z.array(z.string()).nullish(),
  accountingProductId: str,
  customFields: record,
  ...auditFields,
});
export type Aggregation = z.infer<typeof AggregationSchema>;

export const CompoundAggregationSchema = z.looseObject({
  id: z.string().min(1),
  code: str,
  name: str,
  calculation: str,
  productId: str,
  quantityPerUnit: num,
  rounding: str,
  unit: str,
  evaluateNullAggregations: bool,
  accountingProductId: str,
  customFields: record,
  ...auditFields,
});
export type CompoundAggregation = z.infer<typeof CompoundAggregationSchema>;

/** m3ter's SDK types even a user's id as optional. */
export const OrgUserSchema = z.looseObject({
  id: str,
  firstName: str,
  lastName: str,
  email: str,
  contactNumber: str,
  organizations: z.array(z.string()).nullish(),
  supportUser: bool,
  ...auditFields,
});
export type OrgUser = z.infer<typeof OrgUserSchema>;

export const OrganizationConfigSchema = z.looseObject({
  id: str,
  /** The organization's default currency. */
  currency: str,
  timezone: str,
  daysBeforeBillDue: num,
  externalInvoiceDate: str,
  billPrefix: str,
  sequenceStartNumber: num,
  currencyConversions: z.array(CurrencyConversionSchema).nullish(),
  ...auditFields,
});
export type OrganizationConfig = z.infer<typeof OrganizationConfigSchema>;

/** An Event: `m3terEvent.eventData` holds `newDto` (created/updated) and `oldDto` (updated/deleted). */
export const M3terEventSchema = z.looseObject({
  id: z.string().min(1),
  eventName: str,
  eventTime: str,
  dtActioned: str,
  m3terEvent: z
    .looseObject({
      eventData: z.looseObject({ newDto: record, oldDto: record }).nullish(),
    })
    .nullish(),
});
export type M3terEvent = z.infer<typeof M3terEventSchema>;

export const WebhookCredentialsSchema = z.looseObject({
  type: str,
  apiKey: str,
  secret: str,
  destination: str,
  empty: bool,
  version: num,
});

export const WebhookDestinationSchema = z.looseObject({
  id: z.string().min(1),
  name: str,
  code: str,
  description: str,
  url: str,
  active: bool,
  credentials: WebhookCredentialsSchema.nullish(),
  ...auditFields,
});
export type WebhookDestination = z.infer<typeof WebhookDestinationSchema>;

export const NotificationConfigurationSchema = z.looseObject({
  id: z.string().min(1),
  code: str,
  name: str,
  description: str,
  eventName: str,
  calculation: str,
  alwaysFireEvent: bool,
  active: bool,
  ...auditFields,
});
export type NotificationConfiguration = z.infer<typeof NotificationConfigurationSchema>;

export const IntegrationConfigSchema = z.looseObject({
  id: z.string().min(1),
  entityType: str,
  entityId: str,
  destination: str,
  destinationId: str,
  name: str,
  configData: record,
  integrationCredentialsId: str,
  enabled: bool,
  authorized: bool,
  triggerType: str,
  ...auditFields,
});
export type IntegrationConfig = z.infer<typeof IntegrationConfigSchema>;

/** `{data, nextToken}`; an absent, null or empty nextToken ends the list. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    data: z.array(item).nullish(),
    nextToken: z.string().nullish(),
  });
}

export interface Page<T> {
  data: T[];
  /** Undefined on the last page. */
  nextToken: string | undefined;
}

// ---- request bodies ------------------------------------------------------------------------------

export interface PageParams {
  pageSize?: number;
  nextToken?: string;
}

export interface ListBillsParams extends PageParams {
  accountId?: string;
  /** Bills dated on or after this date (YYYY-MM-DD). */
  billDateStart?: string;
  /** Bills dated before this date. */
  billDateEnd?: string;
  status?: (typeof BILL_STATUSES)[number];
  /** Sent comma-separated (`ids=a,b`), as m3ter's SDKs send arrays. */
  ids?: readonly string[];
  excludeLineItems?: boolean;
  includeBillTotal?: boolean;
  billJobId?: string;
  locked?: boolean;
}

export interface ListByIdsParams extends PageParams {
  ids?: readonly string[];
}

export interface ListByCodesParams extends ListByIdsParams {
  codes?: readonly string[];
}

export interface ListIntegrationConfigsParams extends PageParams {
  destinationId?: string;
}

export interface ListNotificationConfigurationsParams extends ListByIdsParams {
  eventName?: string;
  active?: boolean;
}

export interface CreateWebhookDestinationRequest {
  name: string;
  /** m3ter POSTs signed events here. */
  url: string;
  code?: string;
  description?: string;
  active?: boolean;
  credentials: {
    type: 'M3TER_SIGNED_REQUEST';
    apiKey: string;
    secret: string;
    empty?: boolean;
    name?: string;
  };
}

export interface CreateNotificationConfigurationRequest {
  code: string;
  name: string;
  description: string;
  eventName: string;
  /** Required unless alwaysFireEvent is true, e.g. `new.status == "APPROVED" AND old.status != "APPROVED"`. */
  calculation?: string;
  alwaysFireEvent?: boolean;
  active?: boolean;
}

export interface CreateIntegrationConfigRequest {
  entityType: string;
  destination: string;
  entityId?: string;
  destinationId?: string;
  name?: string;
  configData?: Record<string, unknown>;
  integrationCredentialsId?: string;
  credentials?: Record<string, unknown>;
}
