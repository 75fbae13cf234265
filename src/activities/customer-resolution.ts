import type { Db } from '../db/pool';
import { ensureMapping, findMappingCandidates } from '../db/repositories/external-mappings';
import { quickBooksRequestId } from '../domain/ids';
import { resolveMapping } from '../domain/external-mapping';
import type { Integration } from '../domain/integration-settings';
import type { Account, Bill } from '../domain/m3ter';
import type { QuickBooksClient } from '../quickbooks/client';
import type { CurrencyFacts, ResolvedCustomer } from './bill-sync.contract';
import type { RealmCaches } from './bill-sync.activities';
import { SyncFailureError } from './sync-failure-error';

const CACHE_MS = 10 * 60_000;

/** Stands for the customer a sync would create, in previews. */
export const NEW_CUSTOMER = '(new customer)';

/**
 * Finds the QuickBooks customer of the bill's account (spec §5.2).
 * With `useExternalMappingAccountCode` only an Account → Customer mapping counts. Otherwise the mapping
 * recorded earlier is used; failing that, an active customer whose DisplayName is the account name is
 * linked, or a new one is created, and the link is recorded as a mapping linked to this integration.
 */
export async function resolveQuickBooksCustomer(ctx: {
  db: Db;
  client: QuickBooksClient;
  integration: Integration;
  account: Account;
  bill: Bill;
  caches: RealmCaches;
  /** Preview: look only; a customer that would be created is reported, not created or linked. */
  readOnly?: boolean;
}): Promise<ResolvedCustomer> {
  const { db, client, integration, account, bill } = ctx;
  const mapped = await mappedCustomer(db, integration, account);
  const currencyPrefs = await preferences(ctx);
  if (mapped) {
    return {
      customerId: mapped.externalId,
      via: 'mapping',
      currency: await currencyFacts(ctx, currencyPrefs, mapped.externalId),
    };
  }
  if (integration.useExternalMappingAccountCode) {
    throw new SyncFailureError({
      code: 'MISSING_ACCOUNT_MAPPING',
      message: `No QuickBooks customer is mapped to m3ter account ${account.id}${account.name ? ` (${account.name})` : ''}`,
    });
  }

  const displayName = qboDisplayName(account.name);
  const [existing] = await client.findActiveCustomersByDisplayName(displayName);
  let customerId: string;
  let customerCurrency: string | null;
  let via: ResolvedCustomer['via'];
  if (existing) {
    customerId = existing.Id;
    customerCurrency = existing.CurrencyRef?.value ?? null;
    via = 'linked-by-name';
  } else if (ctx.readOnly) {
    return {
      customerId: NEW_CUSTOMER,
      via: 'created',
      currency: { ...currencyPrefs, customerCurrency: null },
    };
  } else {
    const created = await client.createCustomer(
      newCustomer(account, bill, currencyPrefs.multiCurrencyEnabled),
      {
        requestId: quickBooksRequestId(integration.id, account.id, 'create-customer', 1),
      },
    );
    customerId = created.Id;
    customerCurrency = created.CurrencyRef?.value ?? null;
    via = 'created';
  }
  if (ctx.readOnly)
    return {
      customerId,
      via,
      currency: {
        ...currencyPrefs,
        customerCurrency: currencyPrefs.multiCurrencyEnabled ? customerCurrency : null,
      },
    };
  await ensureMapping(db, {
    m3terEntity: 'Account',
    m3terId: account.id,
    externalSystem: integration.destination,
    externalTable: 'Customer',
    externalId: customerId,
    integrationConfigId: integration.id,
  });
  ctx.caches.customerCurrency.set(`${client.realmId}/${customerId}`, {
    value: customerCurrency,
    expires: Date.now() + CACHE_MS,
  });
  return {
    customerId,
    via,
    currency: {
      ...currencyPrefs,
      customerCurrency: currencyPrefs.multiCurrencyEnabled ? customerCurrency : null,
    },
  };
}

/**
 * The customer when it is known without asking QuickBooks: a recorded Account → Customer mapping and the
 * company's currency settings (and, with multicurrency, the customer's currency) in this worker's cache.
 * Undefined when resolving it needs a QuickBooks call. The steady state of every account after its first bill.
 */
export async function findKnownCustomer(ctx: {
  db: Db;
  realmId: string;
  integration: Integration;
  account: Account;
  caches: RealmCaches;
}): Promise<ResolvedCustomer | undefined> {
  const { db, integration, account } = ctx;
  const prefs = cached(ctx.caches.preferences, ctx.realmId);
  if (!prefs) return undefined;
  const mapped = await mappedCustomer(db, integration, account);
  if (!mapped) return undefined;
  if (!prefs.multiCurrencyEnabled)
    return { customerId: mapped.externalId, via: 'mapping', currency: { ...prefs, customerCurrency: null } };
  const customerCurrency = cached(ctx.caches.customerCurrency, `${ctx.realmId}/${mapped.externalId}`);
  if (customerCurrency === undefined) return undefined;
  return { customerId: mapped.externalId, via: 'mapping', currency: { ...prefs, customerCurrency } };
}

/** The Account → Customer mapping that applies to this integration (spec §5.1), if any. */
async function mappedCustomer(db: Db, integration: Integration, account: Account) {
  const candidates = await findMappingCandidates(db, {
    m3terEntity: 'Account',
    m3terId: account.id,
    externalSystem: integration.destination,
  });
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

async function preferences(ctx: {
  client: QuickBooksClient;
  caches: RealmCaches;
}): Promise<{ multiCurrencyEnabled: boolean; homeCurrency: string }> {
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
  prefs: { multiCurrencyEnabled: boolean; homeCurrency: string },
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

function newCustomer(account: Account, bill: Bill, multiCurrency: boolean): Record<string, unknown> {
  const a = account.address;
  const addressLines = [a?.addressLine1, a?.addressLine2, a?.addressLine3, a?.addressLine4].filter(
    (l): l is string => !!l,
  );
  const billAddr: Record<string, string> = {};
  addressLines.forEach((line, i) => (billAddr[`Line${i + 1}`] = line.slice(0, 500)));
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
