import type { Queryable } from '../db/repositories/common';
import type { CustomerMappingCandidate } from '../db/repositories/sync-context.repository';
import { ensureMapping, findMappingCandidates } from '../db/repositories/external-mappings';
import { quickBooksRequestId } from '../domain/ids';
import { resolveMapping } from '../domain/external-mapping';
import type { Integration } from '../domain/integration-settings';
import type { CurrencyFacts } from '../domain/invoice';
import type { Account, Bill } from '../domain/m3ter';
import { SyncFailureError } from '../domain/sync-failure';
import type { QuickBooksClient } from '../quickbooks/client';
import type { NewCustomer } from '../quickbooks/types';

export interface ResolvedCustomer {
  customerId: string;
  /** How it was found: an existing mapping, a QBO customer with the account's name, or a new one. */
  via: 'mapping' | 'linked-by-name' | 'created';
  currency: CurrencyFacts;
}

interface CompanyCurrency {
  multiCurrencyEnabled: boolean;
  homeCurrency: string;
}

/**
 * What this worker remembers of each QuickBooks company for a while (10 minutes): its currency settings and
 * its customers' currencies, so a known account's customer costs no QuickBooks call.
 */
export interface RealmCaches {
  preferences: Map<string, { value: CompanyCurrency; expires: number }>;
  customerCurrency: Map<string, { value: string | null; expires: number }>;
}

export function createRealmCaches(): RealmCaches {
  return { preferences: new Map(), customerCurrency: new Map() };
}

const CACHE_MS = 10 * 60_000;

/** The parts of a sync context customer resolution works on. */
export interface CustomerContext {
  integration: Integration;
  account: Account;
  bill: Bill;
  /** The account's customer mappings as the run's context loaded them; absent: read them. */
  customerMappings?: readonly CustomerMappingCandidate[];
}

/** Stands for the customer a sync would create, in previews. */
export const NEW_CUSTOMER = '(new customer)';

/**
 * Finds the QuickBooks customer of the bill's account (spec §5.2).
 * With `useExternalMappingAccountCode` only an Account → Customer mapping counts. Otherwise the mapping
 * recorded earlier is used; failing that, an active customer whose DisplayName is the account name is
 * linked, or a new one is created, and the link is recorded as a mapping linked to this integration.
 */
export async function resolveCustomer(
  deps: { db: Queryable; client: QuickBooksClient; caches: RealmCaches },
  sync: CustomerContext,
  /** Preview: look only; a customer that would be created is reported, not created or linked. */
  options: { readOnly?: boolean } = {},
): Promise<ResolvedCustomer> {
  const { db, client, caches } = deps;
  const { integration, account, bill } = sync;
  const mapped = await mappedCustomer(db, sync);
  const company = await preferences(deps);
  if (mapped) {
    return {
      customerId: mapped.externalId,
      via: 'mapping',
      currency: await currencyFacts(deps, company, mapped.externalId),
    };
  }
  if (integration.useExternalMappingAccountCode) {
    throw new SyncFailureError({
      code: 'MISSING_ACCOUNT_MAPPING',
      message: `No QuickBooks customer is mapped to m3ter account ${account.id}${account.name ? ` (${account.name})` : ''}`,
    });
  }

  const [existing] = await client.findActiveCustomersByDisplayName(qboDisplayName(account.name));
  if (!existing && options.readOnly)
    return { customerId: NEW_CUSTOMER, via: 'created', currency: { ...company, customerCurrency: null } };
  const customer =
    existing ??
    (await client.createCustomer(newCustomer(account, bill, company.multiCurrencyEnabled), {
      requestId: quickBooksRequestId(integration.id, account.id, 'create-customer', 1),
    }));
  const customerCurrency = customer.CurrencyRef?.value ?? null;
  const resolved: ResolvedCustomer = {
    customerId: customer.Id,
    via: existing ? 'linked-by-name' : 'created',
    currency: { ...company, customerCurrency: company.multiCurrencyEnabled ? customerCurrency : null },
  };
  if (options.readOnly) return resolved;
  // Recorded as a mapping linked to this integration: later bills of the account cost no lookup.
  await ensureMapping(db, {
    m3terEntity: 'Account',
    m3terId: account.id,
    externalSystem: integration.destination,
    externalTable: 'Customer',
    externalId: customer.Id,
    integrationConfigId: integration.id,
  });
  caches.customerCurrency.set(`${client.realmId}/${customer.Id}`, {
    value: customerCurrency,
    expires: Date.now() + CACHE_MS,
  });
  return resolved;
}

/**
 * The customer when it is known without asking QuickBooks: a recorded Account → Customer mapping and the
 * company's currency settings (and, with multicurrency, the customer's currency) in this worker's cache.
 * Null when resolving it needs a QuickBooks call. The steady state of every account after its first bill.
 */
export async function findKnownCustomer(
  deps: { db: Queryable; caches: RealmCaches },
  sync: CustomerContext & { realmId: string | null },
): Promise<ResolvedCustomer | null> {
  const { db, caches } = deps;
  const { realmId } = sync;
  if (!realmId) return null;
  const prefs = cached(caches.preferences, realmId);
  if (!prefs) return null;
  const mapped = await mappedCustomer(db, sync);
  if (!mapped) return null;
  if (!prefs.multiCurrencyEnabled)
    return { customerId: mapped.externalId, via: 'mapping', currency: { ...prefs, customerCurrency: null } };
  const customerCurrency = cached(caches.customerCurrency, `${realmId}/${mapped.externalId}`);
  if (customerCurrency === undefined) return null;
  return { customerId: mapped.externalId, via: 'mapping', currency: { ...prefs, customerCurrency } };
}

/** The Account → Customer mapping that applies to this integration (spec §5.1), if any. */
async function mappedCustomer(db: Queryable, sync: CustomerContext) {
  const { integration, account } = sync;
  const candidates =
    sync.customerMappings ??
    (await findMappingCandidates(db, {
      m3terEntity: 'Account',
      m3terId: account.id,
      externalSystem: integration.destination,
    }));
  return resolveMapping(candidates, {
    integrationId: integration.id,
    destination: integration.destination,
    enforceExternalMappingsForConfig: integration.enforceExternalMappingsForConfig,
  });
}

function cached<T>(cache: Map<string, { value: T; expires: number }>, key: string): T | undefined {
  const hit = cache.get(key);
  return hit && hit.expires > Date.now() ? hit.value : undefined;
}

async function preferences(ctx: { client: QuickBooksClient; caches: RealmCaches }): Promise<CompanyCurrency> {
  const key = ctx.client.realmId;
  const hit = cached(ctx.caches.preferences, key);
  if (hit) return hit;
  const prefs = await ctx.client.getPreferences();
  const value = {
    multiCurrencyEnabled: prefs.CurrencyPrefs?.MultiCurrencyEnabled === true,
    homeCurrency: prefs.CurrencyPrefs?.HomeCurrency?.value ?? 'USD',
  };
  ctx.caches.preferences.set(key, { value, expires: Date.now() + CACHE_MS });
  return value;
}

async function currencyFacts(
  ctx: { client: QuickBooksClient; caches: RealmCaches },
  prefs: CompanyCurrency,
  customerId: string,
): Promise<CurrencyFacts> {
  if (!prefs.multiCurrencyEnabled) return { ...prefs, customerCurrency: null };
  const key = `${ctx.client.realmId}/${customerId}`;
  const hit = cached(ctx.caches.customerCurrency, key);
  if (hit !== undefined) return { ...prefs, customerCurrency: hit };
  const customer = await ctx.client.getCustomer(customerId);
  const value = customer.CurrencyRef?.value ?? prefs.homeCurrency;
  ctx.caches.customerCurrency.set(key, { value, expires: Date.now() + CACHE_MS });
  return { ...prefs, customerCurrency: value };
}

/** QBO DisplayName: no colon, tab or newline; at most 500 characters. */
export function qboDisplayName(name: string): string {
  return (
    name
      .replace(/[:\t\r\n]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 500) || 'm3ter account'
  );
}

function newCustomer(account: Account, bill: Bill, multiCurrency: boolean): NewCustomer {
  const a = account.address;
  const addressLines = [a?.addressLine1, a?.addressLine2, a?.addressLine3, a?.addressLine4].filter(
    (l): l is string => !!l,
  );
  const billAddr: NonNullable<NewCustomer['BillAddr']> = {};
  const lineKeys = ['Line1', 'Line2', 'Line3', 'Line4'] as const;
  addressLines.forEach((line, i) => (billAddr[lineKeys[i]!] = line.slice(0, 500)));
  if (a?.locality) billAddr.City = a.locality.slice(0, 255);
  if (a?.region) billAddr.CountrySubDivisionCode = a.region.slice(0, 255);
  if (a?.postCode) billAddr.PostalCode = a.postCode.slice(0, 30);
  if (a?.country) billAddr.Country = a.country.slice(0, 255);
  return {
    DisplayName: qboDisplayName(account.name),
    ...(account.emailAddress && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(account.emailAddress)
      ? { PrimaryEmailAddr: { Address: account.emailAddress.slice(0, 100) } }
      : {}),
    ...(Object.keys(billAddr).length ? { BillAddr: billAddr } : {}),
    ...(multiCurrency ? { CurrencyRef: { value: account.currency ?? bill.currency } } : {}),
  };
}
