/**
 * Building and checking entities in m3ter's shapes (defaults, derived fields, audit fields). Shared by the
 * control (accounts, products, bills …) and the API (webhooks, notification rules, integration configs).
 */
import { randomUUID } from 'node:crypto';
import { parseCalculation, CalculationError } from './calculation';
import { addDays, addMonths, isValidDate } from './clock';
import { isLoopbackUrl } from './delivery';
import { ApiError } from './errors';
import { isObject, tidy, type JsonObject } from './json';
import type { Organization } from './store';
import type {
  Account,
  AccountInput,
  Aggregation,
  AggregationInput,
  Audit,
  BandUsage,
  Bill,
  BillInput,
  BillLineItem,
  BillLineItemInput,
  CompoundAggregation,
  CompoundAggregationInput,
  IntegrationConfig,
  IntegrationConfigInput,
  NotificationConfiguration,
  NotificationConfigurationInput,
  OrganizationConfig,
  OrganizationConfigInput,
  OrgUser,
  OrgUserInput,
  Product,
  ProductInput,
  StandaloneLineItem,
  WebhookDestination,
  WebhookDestinationInput,
} from './types';

export interface BuildContext {
  /** ISO time on the emulator clock. */
  now: string;
  /** Who made the change (createdBy / lastModifiedBy). */
  actor: string;
}

export function audit(ctx: BuildContext, existing?: Audit): Audit {
  return {
    version: existing ? existing.version + 1 : 1,
    dtCreated: existing?.dtCreated ?? ctx.now,
    dtLastModified: ctx.now,
    createdBy: existing?.createdBy ?? ctx.actor,
    lastModifiedBy: ctx.actor,
  };
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ApiError(400, `${field} is required`);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, `${field} must be a string`);
  return value;
}

function requireNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ApiError(400, `${field} must be a number`);
  return value;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : requireNumber(value, field);
}

function optionalDate(value: unknown, field: string): string | undefined {
  const text = optionalText(value, field);
  if (text !== undefined && !isValidDate(text)) throw new ApiError(400, `${field} must be a date YYYY-MM-DD`);
  return text;
}

function newId(input: { id?: unknown }, taken: (id: string) => boolean, kind: string): string {
  if (input.id === undefined) return randomUUID();
  const id = requireText(input.id, 'id');
  if (taken(id)) throw new ApiError(409, `${kind} ${id} already exists`);
  return id;
}

/**
 * The computed fields first (in their order), then the source's fields the computation does not know
 * (kept as m3ter keeps unknown fields), without undefined members.
 */
function withExtras<T extends JsonObject>(computed: T, source: JsonObject): T {
  const extras = Object.fromEntries(Object.entries(source).filter(([k]) => !(k in computed)));
  return defined({ ...computed, ...extras });
}

/** Drops keys whose value is undefined, so `{...a, ...b}` merges give plain JSON. */
function defined<T extends JsonObject>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---- organization config ---------------------------------------------------------------------------

export function buildOrgConfig(
  orgId: string,
  input: OrganizationConfigInput,
  ctx: BuildContext,
  existing?: OrganizationConfig,
): OrganizationConfig {
  const merged = { ...(existing ?? {}), ...defined(input) };
  const mode = merged.externalInvoiceDate ?? 'FIRST_DAY_OF_NEXT_PERIOD';
  if (mode !== 'FIRST_DAY_OF_NEXT_PERIOD' && mode !== 'LAST_DAY_OF_ARREARS')
    throw new ApiError(400, 'externalInvoiceDate is FIRST_DAY_OF_NEXT_PERIOD or LAST_DAY_OF_ARREARS');
  const days = optionalNumber(merged.daysBeforeBillDue, 'daysBeforeBillDue') ?? 30;
  const start = optionalNumber(merged.sequenceStartNumber, 'sequenceStartNumber') ?? 1;
  return withExtras(
    {
      id: orgId,
      currency: requireText(merged.currency ?? 'USD', 'currency'),
      timezone: requireText(merged.timezone ?? 'UTC', 'timezone'),
      daysBeforeBillDue: days,
      externalInvoiceDate: mode,
      billPrefix: merged.billPrefix ?? null,
      sequenceStartNumber: start,
      ...audit(ctx, existing),
    },
    merged,
  );
}

// ---- reference data --------------------------------------------------------------------------------

export function buildAccount(
  org: Organization,
  input: AccountInput,
  ctx: BuildContext,
  existing?: Account,
): Account {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const id = existing?.id ?? newId(input, (i) => org.accounts.has(i), 'Account');
  if (merged.customFields !== undefined && !isObject(merged.customFields))
    throw new ApiError(400, 'customFields must be an object');
  if (merged.address !== undefined && !isObject(merged.address))
    throw new ApiError(400, 'address must be an object');
  optionalText(merged.currency, 'currency');
  optionalText(merged.emailAddress, 'emailAddress');
  optionalNumber(merged.daysBeforeBillDue, 'daysBeforeBillDue');
  return withExtras(
    {
      id,
      code: requireText(merged.code, 'code'),
      name: requireText(merged.name, 'name'),
      customFields: isObject(merged.customFields) ? merged.customFields : {},
      ...audit(ctx, existing),
    },
    merged,
  ) as Account;
}

export function buildProduct(
  org: Organization,
  input: ProductInput,
  ctx: BuildContext,
  existing?: Product,
): Product {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const id = existing?.id ?? newId(input, (i) => org.products.has(i), 'Product');
  return withExtras(
    {
      id,
      code: requireText(merged.code, 'code'),
      name: requireText(merged.name, 'name'),
      customFields: isObject(merged.customFields) ? merged.customFields : {},
      ...audit(ctx, existing),
    },
    merged,
  );
}

export function buildAggregation(
  org: Organization,
  input: AggregationInput,
  ctx: BuildContext,
  existing?: Aggregation,
): Aggregation {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const id = existing?.id ?? newId(input, (i) => org.aggregations.has(i), 'Aggregation');
  optionalText(merged.accountingProductId, 'accountingProductId');
  return withExtras(
    {
      id,
      code: requireText(merged.code, 'code'),
      name: requireText(merged.name, 'name'),
      aggregation: optionalText(merged.aggregation, 'aggregation') ?? 'SUM',
      unit: optionalText(merged.unit, 'unit') ?? '',
      quantityPerUnit: optionalNumber(merged.quantityPerUnit, 'quantityPerUnit') ?? 1,
      rounding: optionalText(merged.rounding, 'rounding') ?? 'NONE',
      segmentedFields: Array.isArray(merged.segmentedFields) ? merged.segmentedFields.map(String) : [],
      customFields: isObject(merged.customFields) ? merged.customFields : {},
      ...audit(ctx, existing),
    },
    merged,
  ) as Aggregation;
}

export function buildCompoundAggregation(
  org: Organization,
  input: CompoundAggregationInput,
  ctx: BuildContext,
  existing?: CompoundAggregation,
): CompoundAggregation {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const id = existing?.id ?? newId(input, (i) => org.compoundAggregations.has(i), 'CompoundAggregation');
  return withExtras(
    {
      id,
      code: requireText(merged.code, 'code'),
      name: requireText(merged.name, 'name'),
      calculation: optionalText(merged.calculation, 'calculation') ?? '',
      unit: optionalText(merged.unit, 'unit') ?? '',
      quantityPerUnit: optionalNumber(merged.quantityPerUnit, 'quantityPerUnit') ?? 1,
      rounding: optionalText(merged.rounding, 'rounding') ?? 'NONE',
      evaluateNullAggregations: merged.evaluateNullAggregations === true,
      customFields: isObject(merged.customFields) ? merged.customFields : {},
      ...audit(ctx, existing),
    },
    merged,
  ) as CompoundAggregation;
}

export function buildUser(org: Organization, input: OrgUserInput, ctx: BuildContext): OrgUser {
  const email = requireText(input.email, 'email');
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new ApiError(400, `email ${email} is not an e-mail address`);
  return withExtras(
    {
      id: newId(input, (i) => org.users.has(i), 'User'),
      firstName: optionalText(input.firstName, 'firstName') ?? '',
      lastName: optionalText(input.lastName, 'lastName') ?? '',
      email,
      organizations: [org.id],
      ...audit(ctx),
    },
    input,
  );
}

// ---- bills -----------------------------------------------------------------------------------------

const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  STANDING_CHARGE: 'Standing Charge',
  MINIMUM_SPEND: 'Minimum Spend',
  MINIMUM_SPEND_REFUND: 'Minimum Spend Adjustment',
  COMMITMENT_FEE: 'Prepayment Fee',
  COMMITMENT_CONSUMED: 'Prepayment Consumed',
};

function buildBand(band: unknown, i: number): BandUsage {
  if (!isObject(band)) throw new ApiError(400, `usagePerPricingBand[${i}] must be an object`);
  return { ...band };
}

export function buildLineItem(
  org: Organization,
  input: BillLineItemInput,
  index: number,
  bill: { currency: string; startDate: string; endDate: string },
): BillLineItem {
  const field = (name: string) => `lineItems[${index}].${name}`;
  const lineItemType = requireText(input.lineItemType, field('lineItemType'));
  const subtotal = requireNumber(input.subtotal, field('subtotal'));
  const quantity =
    optionalNumber(input.quantity, field('quantity')) ?? optionalNumber(input.units, field('units')) ?? 0;
  const units = optionalNumber(input.units, field('units')) ?? quantity;
  const conversionRate = optionalNumber(input.conversionRate, field('conversionRate')) ?? 1;
  const productId = optionalText(input.productId, field('productId'));
  const product = productId === undefined ? undefined : org.products.get(productId);
  const accountingProductId = optionalText(input.accountingProductId, field('accountingProductId'));
  const accountingProduct =
    accountingProductId === undefined ? undefined : org.products.get(accountingProductId);
  const aggregationId = optionalText(input.aggregationId, field('aggregationId'));
  const aggregation = aggregationId === undefined ? undefined : org.aggregations.get(aggregationId);
  const compoundId = optionalText(input.compoundAggregationId, field('compoundAggregationId'));
  const compound = compoundId === undefined ? undefined : org.compoundAggregations.get(compoundId);
  const bands = input.usagePerPricingBand;
  if (bands !== undefined && !Array.isArray(bands))
    throw new ApiError(400, `${field('usagePerPricingBand')} must be an array`);
  const description =
    optionalText(input.description, field('description')) ??
    aggregation?.name ??
    compound?.name ??
    DEFAULT_DESCRIPTIONS[lineItemType] ??
    product?.name ??
    lineItemType;
  return withExtras(
    {
      id: optionalText(input.id, field('id')) ?? randomUUID(),
      sequenceNumber: index,
      description,
      lineItemType,
      quantity,
      units,
      unit: optionalText(input.unit, field('unit')) ?? aggregation?.unit ?? compound?.unit ?? '',
      subtotal,
      convertedSubtotal:
        optionalNumber(input.convertedSubtotal, field('convertedSubtotal')) ??
        tidy(subtotal * conversionRate),
      conversionRate,
      currency: optionalText(input.currency, field('currency')) ?? bill.currency,
      averageUnitPrice:
        optionalNumber(input.averageUnitPrice, field('averageUnitPrice')) ??
        (units !== 0 ? tidy(subtotal / units) : 0),
      productId,
      productCode: optionalText(input.productCode, field('productCode')) ?? product?.code,
      productName: optionalText(input.productName, field('productName')) ?? product?.name,
      accountingProductId,
      accountingProductCode:
        optionalText(input.accountingProductCode, field('accountingProductCode')) ?? accountingProduct?.code,
      accountingProductName:
        optionalText(input.accountingProductName, field('accountingProductName')) ?? accountingProduct?.name,
      aggregationId,
      compoundAggregationId: compoundId,
      servicePeriodStartDate:
        optionalText(input.servicePeriodStartDate, field('servicePeriodStartDate')) ??
        `${bill.startDate}T00:00:00Z`,
      servicePeriodEndDate:
        optionalText(input.servicePeriodEndDate, field('servicePeriodEndDate')) ??
        `${bill.endDate}T00:00:00Z`,
      usagePerPricingBand: bands?.map(buildBand),
    },
    input,
  ) as BillLineItem;
}

export function billTotal(lineItems: BillLineItem[]): number {
  return tidy(lineItems.reduce((sum, li) => sum + li.subtotal, 0));
}

/** A new bill with m3ter's derived fields; `sequentialInvoiceNumber` is taken only when `commit` runs. */
export function buildBill(
  org: Organization,
  input: BillInput,
  ctx: BuildContext,
): { bill: Bill; commit: () => void } {
  const accountId = requireText(input.accountId, 'accountId');
  const account = org.accounts.get(accountId);
  if (!account) throw new ApiError(404, `Account with id ${accountId} not found`);
  const id = newId(input, (i) => org.bills.has(i), 'Bill');
  const today = ctx.now.slice(0, 10);
  const billDate = optionalDate(input.billDate, 'billDate') ?? today;
  const endDate = optionalDate(input.endDate, 'endDate') ?? billDate;
  const startDate = optionalDate(input.startDate, 'startDate') ?? addMonths(endDate, -1);
  const daysDue = account.daysBeforeBillDue ?? org.config.daysBeforeBillDue;
  const dueDate = optionalDate(input.dueDate, 'dueDate') ?? addDays(billDate, daysDue);
  const externalInvoiceDate =
    optionalDate(input.externalInvoiceDate, 'externalInvoiceDate') ??
    (org.config.externalInvoiceDate === 'FIRST_DAY_OF_NEXT_PERIOD' ? endDate : addDays(endDate, -1));
  const currency = optionalText(input.currency, 'currency') ?? account.currency ?? org.config.currency;
  const status = input.status ?? 'PENDING';
  if (status !== 'PENDING' && status !== 'APPROVED') throw new ApiError(400, 'status is PENDING or APPROVED');
  const version = optionalNumber(input.version, 'version') ?? 1;
  if (!Number.isInteger(version) || version < 1)
    throw new ApiError(400, 'version must be a positive integer');
  if (input.lineItems !== undefined && !Array.isArray(input.lineItems))
    throw new ApiError(400, 'lineItems must be an array');
  const lineItems = (input.lineItems ?? []).map((li, i) =>
    buildLineItem(org, li, i, { currency, startDate, endDate }),
  );
  const prefix = org.config.billPrefix;
  const explicitNumber = optionalText(input.sequentialInvoiceNumber, 'sequentialInvoiceNumber');
  const numbered = explicitNumber === undefined && prefix !== null && prefix !== '';
  const sequentialInvoiceNumber =
    explicitNumber ??
    (numbered ? `${prefix}${org.config.sequenceStartNumber + org.billsNumbered}` : undefined);
  const bill = withExtras(
    {
      id,
      accountId,
      accountCode: account.code,
      billDate,
      dueDate,
      startDate,
      endDate,
      startDateTimeUTC: `${startDate}T00:00:00.000Z`,
      endDateTimeUTC: `${endDate}T00:00:00.000Z`,
      billingFrequency: optionalText(input.billingFrequency, 'billingFrequency') ?? 'MONTHLY',
      currency,
      status,
      locked: false,
      sequentialInvoiceNumber,
      externalInvoiceDate,
      billTotal: billTotal(lineItems),
      createdDate: ctx.now,
      lastCalculatedDate: ctx.now,
      lineItems,
      ...audit(ctx),
      version,
    },
    input,
  ) as Bill;
  return {
    bill,
    commit: () => {
      if (numbered) org.billsNumbered += 1;
    },
  };
}

/** The bill as the standalone line-items endpoint serves each line: `bandUsage`, `billId`, `version`. */
export function standaloneLineItem(bill: Bill, li: BillLineItem): StandaloneLineItem {
  const { usagePerPricingBand, childAccountId: _c, childAccountCode: _cc, ...rest } = li;
  return defined({
    ...rest,
    billId: bill.id,
    accountId: bill.accountId,
    version: bill.version,
    jsonUsageGenerated: false,
    bandUsage: usagePerPricingBand,
  }) as StandaloneLineItem;
}

/** A bill without its line items (what events carry by default, and lists with excludeLineItems=true). */
export function billHeader(bill: Bill): JsonObject {
  const { lineItems: _lineItems, ...header } = bill;
  return header;
}

// ---- webhook destinations, notification rules, integration configs -------------------------------

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'webhook'
  );
}

export function buildWebhook(
  org: Organization,
  input: WebhookDestinationInput,
  ctx: BuildContext,
  existing?: WebhookDestination,
): WebhookDestination {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const name = requireText(merged.name, 'name');
  const url = requireText(merged.url, 'url');
  if (!isLoopbackUrl(url))
    throw new ApiError(400, `url ${url} is refused: this emulator only delivers to loopback http(s) URLs`);
  const creds = merged.credentials;
  if (!isObject(creds)) throw new ApiError(400, 'credentials are required');
  if (creds.type !== 'M3TER_SIGNED_REQUEST')
    throw new ApiError(400, 'credentials.type must be M3TER_SIGNED_REQUEST');
  const apiKey = requireText(creds.apiKey, 'credentials.apiKey');
  const secret = requireText(creds.secret, 'credentials.secret');
  const a = audit(ctx, existing);
  return withExtras(
    {
      id: existing?.id ?? randomUUID(),
      name,
      code: optionalText(merged.code, 'code') ?? slug(name),
      description: optionalText(merged.description, 'description') ?? '',
      url,
      active: merged.active === undefined ? true : merged.active === true,
      credentials: {
        type: 'M3TER_SIGNED_REQUEST',
        apiKey,
        secret,
        destination: 'WEBHOOK',
        empty: false,
        version: a.version,
      },
      ...a,
    },
    merged,
  );
}

export function buildNotification(
  org: Organization,
  input: NotificationConfigurationInput,
  ctx: BuildContext,
  existing?: NotificationConfiguration,
): NotificationConfiguration {
  const merged: JsonObject = { ...(existing ?? {}), ...defined(input) };
  const alwaysFireEvent = merged.alwaysFireEvent === true;
  const calculation = optionalText(merged.calculation, 'calculation') ?? '';
  if (!alwaysFireEvent && calculation.trim() === '')
    throw new ApiError(400, 'calculation is required unless alwaysFireEvent is true');
  if (calculation.trim() !== '') {
    try {
      parseCalculation(calculation);
    } catch (e) {
      if (e instanceof CalculationError) throw new ApiError(400, `calculation: ${e.message}`);
      throw e;
    }
  }
  const code = requireText(merged.code, 'code');
  if (org.notifications.values().some((n) => n.code === code && n.id !== existing?.id))
    throw new ApiError(409, `a notification configuration with code ${code} already exists`);
  return withExtras(
    {
      id: existing?.id ?? randomUUID(),
      code,
      name: requireText(merged.name, 'name'),
      description: optionalText(merged.description, 'description') ?? '',
      eventName: requireText(merged.eventName, 'eventName'),
      calculation,
      alwaysFireEvent,
      active: merged.active === undefined ? true : merged.active === true,
      ...audit(ctx, existing),
    },
    merged,
  );
}

const IDENT = /^[a-zA-Z0-9_-]+$/;

export function buildIntegrationConfig(
  org: Organization,
  input: IntegrationConfigInput,
  ctx: BuildContext,
  existing?: IntegrationConfig,
): IntegrationConfig {
  const { credentials: _credentials, ...rest } = defined(input);
  const merged: JsonObject = { ...(existing ?? {}), ...rest };
  const entityType = requireText(merged.entityType, 'entityType');
  const destination = requireText(merged.destination, 'destination');
  if (!IDENT.test(entityType)) throw new ApiError(400, 'entityType must match ^[a-zA-Z0-9_-]*$');
  if (!IDENT.test(destination)) throw new ApiError(400, 'destination must match ^[a-zA-Z0-9_-]*$');
  const entityId = optionalText(merged.entityId, 'entityId');
  const destinationId = optionalText(merged.destinationId, 'destinationId');
  if (entityType === 'Notification' && destination.toLowerCase() === 'webhook') {
    if (entityId === undefined || !org.notifications.has(entityId))
      throw new ApiError(400, `entityId must name a notification configuration of this organization`);
    if (destinationId === undefined || !org.webhooks.has(destinationId))
      throw new ApiError(400, `destinationId must name a webhook destination of this organization`);
  }
  if (merged.configData !== undefined && !isObject(merged.configData))
    throw new ApiError(400, 'configData must be an object');
  return withExtras(
    {
      id: existing?.id ?? randomUUID(),
      entityType,
      destination,
      entityId,
      destinationId,
      name: optionalText(merged.name, 'name') ?? '',
      configData: isObject(merged.configData) ? merged.configData : {},
      enabled: merged.enabled === undefined ? true : merged.enabled === true,
      authorized: true,
      triggerType: 'EVENT',
      ...audit(ctx, existing),
    },
    merged,
  ) as IntegrationConfig;
}
