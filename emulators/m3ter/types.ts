/**
 * Public types of the m3ter emulator, shared by the in-process control (`index.ts`) and the HTTP control
 * client (`control-client.ts`). Plain JSON only, so they travel over HTTP unchanged. Entities carry an index
 * signature: unknown fields given at creation are kept and served back, as m3ter keeps its own extras.
 */
import type { Json, JsonObject } from './json';

export type { Json, JsonObject };

/** Fields m3ter puts on most entities. */
export interface Audit {
  version: number;
  dtCreated: string;
  dtLastModified: string;
  createdBy: string;
  lastModifiedBy: string;
}

export type ExternalInvoiceDateMode = 'FIRST_DAY_OF_NEXT_PERIOD' | 'LAST_DAY_OF_ARREARS';

export interface OrganizationConfig extends JsonObject, Audit {
  id: string;
  /** The organization's default currency (a free string: m3ter allows custom currency codes). */
  currency: string;
  timezone: string;
  daysBeforeBillDue: number;
  externalInvoiceDate: ExternalInvoiceDateMode;
  /** With a prefix, bills get `sequentialInvoiceNumber` = prefix + number (from `sequenceStartNumber`). */
  billPrefix: string | null;
  sequenceStartNumber: number;
}

export interface OrganizationConfigInput extends JsonObject {
  currency?: string;
  timezone?: string;
  daysBeforeBillDue?: number;
  externalInvoiceDate?: ExternalInvoiceDateMode;
  billPrefix?: string | null;
  sequenceStartNumber?: number;
}

export interface OrganizationSummary {
  orgId: string;
  config: OrganizationConfig;
  counts: Record<EntityKind, number>;
}

export interface ApiCredentials {
  orgId: string;
  apiKey: string;
  apiSecret: string;
}

export interface TokenGrantSnapshot {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface AuthSettings {
  /** Lifetime of an access token (default 18000 s, m3ter's 5 hours). */
  tokenTtlSeconds: number;
}

export interface Address extends JsonObject {
  addressLine1?: string;
  addressLine2?: string;
  addressLine3?: string;
  addressLine4?: string;
  locality?: string;
  region?: string;
  postCode?: string;
  country?: string;
}

export interface Account extends JsonObject, Audit {
  id: string;
  code: string;
  name: string;
  emailAddress?: string;
  currency?: string;
  address?: Address;
  customFields: JsonObject;
  daysBeforeBillDue?: number;
  parentAccountId?: string;
  purchaseOrderNumber?: string;
}

export interface AccountInput extends JsonObject {
  id?: string;
  code: string;
  name: string;
  emailAddress?: string;
  currency?: string;
  address?: Address;
  customFields?: JsonObject;
  daysBeforeBillDue?: number;
  parentAccountId?: string;
  purchaseOrderNumber?: string;
}

export interface Product extends JsonObject, Audit {
  id: string;
  code: string;
  name: string;
  customFields: JsonObject;
}

export interface ProductInput extends JsonObject {
  id?: string;
  code: string;
  name: string;
  customFields?: JsonObject;
}

export interface Aggregation extends JsonObject, Audit {
  id: string;
  code: string;
  name: string;
  aggregation: string;
  unit: string;
  quantityPerUnit: number;
  rounding: string;
  meterId?: string;
  targetField?: string;
  accountingProductId?: string;
  segmentedFields: string[];
  customFields: JsonObject;
}

export interface AggregationInput extends JsonObject {
  id?: string;
  code: string;
  name: string;
  aggregation?: string;
  unit?: string;
  quantityPerUnit?: number;
  rounding?: string;
  meterId?: string;
  targetField?: string;
  accountingProductId?: string;
  customFields?: JsonObject;
}

export interface CompoundAggregation extends JsonObject, Audit {
  id: string;
  code: string;
  name: string;
  calculation: string;
  unit: string;
  quantityPerUnit: number;
  rounding: string;
  productId?: string;
  accountingProductId?: string;
  evaluateNullAggregations: boolean;
  customFields: JsonObject;
}

export interface CompoundAggregationInput extends JsonObject {
  id?: string;
  code: string;
  name: string;
  calculation?: string;
  unit?: string;
  quantityPerUnit?: number;
  rounding?: string;
  productId?: string;
  accountingProductId?: string;
  evaluateNullAggregations?: boolean;
  customFields?: JsonObject;
}

export interface OrgUser extends JsonObject, Audit {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  contactNumber?: string;
  organizations: string[];
}

export interface OrgUserInput extends JsonObject {
  id?: string;
  firstName?: string;
  lastName?: string;
  email: string;
  contactNumber?: string;
}

/** One pricing band's share of a line (`usagePerPricingBand` on a bill, `bandUsage` on the line-items endpoint). */
export interface BandUsage extends JsonObject {
  pricingBandId?: string;
  lowerLimit?: number;
  bandQuantity?: number;
  bandUnits?: number;
  unitPrice?: number;
  fixedPrice?: number;
  unitSubtotal?: number;
  bandSubtotal?: number;
  convertedBandSubtotal?: number;
}

export interface BillLineItem extends JsonObject {
  id: string;
  sequenceNumber: number;
  description: string;
  /** A free string: m3ter's list of line types grows. */
  lineItemType: string;
  quantity: number;
  units: number;
  unit: string;
  subtotal: number;
  convertedSubtotal: number;
  conversionRate: number;
  currency: string;
  averageUnitPrice: number;
  productId?: string;
  productCode?: string;
  productName?: string;
  accountingProductId?: string;
  accountingProductCode?: string;
  accountingProductName?: string;
  aggregationId?: string;
  compoundAggregationId?: string;
  servicePeriodStartDate?: string;
  servicePeriodEndDate?: string;
  usagePerPricingBand?: BandUsage[];
}

/** A line as given to the control: only `lineItemType` and `subtotal` are needed, the rest is derived. */
export interface BillLineItemInput extends JsonObject {
  id?: string;
  description?: string;
  lineItemType: string;
  quantity?: number;
  units?: number;
  unit?: string;
  subtotal: number;
  convertedSubtotal?: number;
  conversionRate?: number;
  currency?: string;
  averageUnitPrice?: number;
  productId?: string;
  productName?: string;
  accountingProductId?: string;
  aggregationId?: string;
  compoundAggregationId?: string;
  servicePeriodStartDate?: string;
  servicePeriodEndDate?: string;
  usagePerPricingBand?: BandUsage[];
}

export type BillStatus = 'PENDING' | 'APPROVED';

export interface Bill extends JsonObject, Audit {
  id: string;
  accountId: string;
  accountCode: string;
  billDate: string;
  dueDate: string;
  startDate: string;
  endDate: string;
  startDateTimeUTC: string;
  endDateTimeUTC: string;
  billingFrequency: string;
  currency: string;
  status: BillStatus;
  locked: boolean;
  sequentialInvoiceNumber?: string;
  externalInvoiceDate: string;
  billTotal: number;
  createdDate: string;
  lastCalculatedDate: string;
  lineItems: BillLineItem[];
}

/** A bill for the control's createBill: `accountId` is required, the rest has defaults (see README). */
export interface BillInput extends JsonObject {
  id?: string;
  accountId: string;
  billDate?: string;
  dueDate?: string;
  startDate?: string;
  endDate?: string;
  billingFrequency?: string;
  currency?: string;
  status?: BillStatus;
  version?: number;
  sequentialInvoiceNumber?: string;
  externalInvoiceDate?: string;
  lineItems?: BillLineItemInput[];
}

/** generateBill: a new bill, always PENDING and version 1. */
export type GenerateBillInput = Omit<BillInput, 'status' | 'version'>;

/** recalculateBill: new line items (replacing all, new ids) and/or new subtotals of existing lines by id. */
export interface RecalculateBillInput extends JsonObject {
  lineItems?: BillLineItemInput[];
  subtotals?: { [lineItemId: string]: number };
}

/** What the standalone `GET /bills/{billId}/lineitems` endpoint serves for a line. */
export interface StandaloneLineItem extends JsonObject {
  id: string;
  billId: string;
  version: number;
  bandUsage?: BandUsage[];
}

export type EntityKind =
  | 'account'
  | 'product'
  | 'aggregation'
  | 'compoundaggregation'
  | 'user'
  | 'bill'
  | 'event'
  | 'webhook'
  | 'notification'
  | 'integrationconfig';

export type EventVerb = 'created' | 'updated' | 'deleted';

export interface M3terEvent extends JsonObject {
  id: string;
  eventName: string;
  eventTime: string;
  dtActioned: null;
  m3terEvent: {
    orgId: string;
    eventData: { newDto?: JsonObject; oldDto?: JsonObject };
  };
}

export interface WebhookCredentials extends JsonObject {
  type: 'M3TER_SIGNED_REQUEST';
  apiKey: string;
  secret: string;
}

export interface WebhookDestination extends JsonObject, Audit {
  id: string;
  name: string;
  code: string;
  description: string;
  url: string;
  active: boolean;
  credentials: WebhookCredentials & { destination: 'WEBHOOK'; empty: boolean; version: number };
}

export interface WebhookDestinationInput extends JsonObject {
  name: string;
  url: string;
  code?: string;
  description?: string;
  active?: boolean;
  credentials: WebhookCredentials;
}

export interface NotificationConfiguration extends JsonObject, Audit {
  id: string;
  code: string;
  name: string;
  description: string;
  eventName: string;
  calculation: string;
  alwaysFireEvent: boolean;
  active: boolean;
}

export interface NotificationConfigurationInput extends JsonObject {
  code: string;
  name: string;
  description?: string;
  eventName: string;
  calculation?: string;
  alwaysFireEvent?: boolean;
  active?: boolean;
}

export interface IntegrationConfig extends JsonObject, Audit {
  id: string;
  entityType: string;
  entityId?: string;
  destination: string;
  destinationId?: string;
  name: string;
  configData: JsonObject;
  enabled: boolean;
  authorized: boolean;
  triggerType: 'EVENT';
}

export interface IntegrationConfigInput extends JsonObject {
  entityType: string;
  destination: string;
  entityId?: string;
  destinationId?: string;
  name?: string;
  configData?: JsonObject;
  credentials?: JsonObject;
  integrationCredentialsId?: string;
  enabled?: boolean;
}

/** The control's one-call set-up: a webhook destination, one rule per event name and their integration configs. */
export interface SubscriptionInput {
  url: string;
  apiKey: string;
  secret: string;
  /** Default: every event this emulator produces. */
  eventNames?: string[];
  name?: string;
}

export interface Subscription {
  destination: WebhookDestination;
  notifications: NotificationConfiguration[];
  integrationConfigs: IntegrationConfig[];
}

// ---- delivery -------------------------------------------------------------------------------------

export interface DeliverySettings {
  /** Attempts per delivery, the first included (default 5). */
  maxAttempts: number;
  /** Wait before the 2nd attempt (default 200 ms), multiplied by `backoffMultiplier` after each failure. */
  initialBackoffMs: number;
  backoffMultiplier: number;
  maxBackoffMs: number;
  /** Per-attempt timeout (default 5000 ms). */
  timeoutMs: number;
  /** Whether a bill event's newDto/oldDto carries `lineItems` (default false: only the bill header). */
  includeBillLineItems: boolean;
  /** While paused, new and retried deliveries wait (status `paused`) until resumed. */
  paused: boolean;
}

export type DeliveryStatus =
  'pending' | 'delivering' | 'retrying' | 'paused' | 'delivered' | 'failed' | 'dropped';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  /** The receiver's HTTP status; absent when no response came (then `error` says why). */
  status?: number;
  error?: string;
  durationMs: number;
  timestamp: string;
  signature: string;
}

export interface DeliveryRecord {
  id: string;
  orgId: string;
  eventId: string;
  eventName: string;
  destinationId: string;
  url: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  createdAt: string;
  deliveredAt?: string;
  /** Set on deliveries made by `redeliver`. */
  redeliveryOf?: string;
}

export interface DeliveryFilter {
  orgId?: string;
  eventId?: string;
  destinationId?: string;
  status?: DeliveryStatus;
}

/** Future deliveries to drop (a lost webhook): the next `count` (default 1) matching ones. */
export interface DropRule {
  eventName?: string;
  destinationId?: string;
  count?: number;
}

// ---- faults and counters --------------------------------------------------------------------------

export type FaultAction =
  /** Answer with this status; `retryAfter` sets `Retry-After` (a number: seconds; a string: sent as is, e.g. an HTTP date). */
  | { type: 'status'; status: number; retryAfter?: number | string; message?: string }
  /** Destroy the connection without a response. */
  | { type: 'drop' }
  /** Wait this long, then process normally. */
  | { type: 'latency'; ms: number };

/** Which requests a queued fault applies to; every given field must match. */
export interface FaultMatch {
  method?: string;
  /** First path segment after /organizations/{orgId} (bills, accounts, events, integrationdestinations …), or `oauth` for the token endpoint. */
  resource?: string;
  /** A URL path (no query): matches it and everything below it. */
  path?: string;
  orgId?: string;
}

export interface QueuedFault {
  action: FaultAction;
  match?: FaultMatch;
  /** How many matching requests get it (default 1). */
  count?: number;
}

/** Share-based faults for API requests (not the token endpoint), drawn from the seeded generator. */
export interface FaultSettings {
  /** Share answered with a 5xx from `errorStatuses` (default [500, 503]). */
  errorShare?: number;
  errorStatuses?: number[];
  /** Share answered 429 with `Retry-After: throttleRetryAfterSeconds` (default 1). */
  throttleShare?: number;
  throttleRetryAfterSeconds?: number;
  /** Share whose connection is dropped. */
  dropShare?: number;
  latencyMs?: number;
  /** Share of requests that get `latencyMs` (default all). */
  latencyShare?: number;
}

export interface FaultState {
  settings: FaultSettings;
  queue: Array<{ action: FaultAction; match?: FaultMatch; remaining: number }>;
}

export interface CountersSnapshot {
  /** API and token requests (control requests are not counted). */
  total: number;
  api: number;
  token: number;
  /** `METHOD route`, e.g. `GET bills`, `GET bills/:id`, `GET bills/:id/lineitems`, `POST oauth/token`. */
  byRoute: Record<string, number>;
  /** By status sent; `dropped` for connections closed without a response. */
  byStatus: Record<string, number>;
  /** `METHOD route status`, e.g. `GET bills/:id 200`. */
  byRouteStatus: Record<string, number>;
  byOrg: Record<string, number>;
  tokenGrants: number;
  tokenRejections: number;
  /** 401s sent on API calls (missing, unknown or expired token). */
  unauthorized: number;
  throttled: number;
  dropped: number;
  faultsInjected: number;
  events: number;
  eventsByName: Record<string, number>;
  deliveries: {
    created: number;
    attempts: number;
    delivered: number;
    failed: number;
    dropped: number;
  };
}

export interface ClockSnapshot {
  nowMs: number;
  iso: string;
}
