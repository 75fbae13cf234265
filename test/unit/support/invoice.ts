import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  IntegrationSettingsSchema,
  type IntegrationSettingsInput,
} from '../../../src/domain/integration-settings';
import { BillSchema, type Account, type Bill } from '../../../src/domain/m3ter';
import { usAccount } from './accounts';
import {
  buildQuickBooksDocument,
  type BuildDocumentInput,
  type BuiltDocument,
  type CurrencyFacts,
  type DocumentSettings,
  type ItemLookup,
} from '../../../src/domain/invoice';

/** A bill from test/fixtures/bills, parsed through the same schema as a webhook's. */
export function loadBill(name: string): Bill {
  const file = path.join(__dirname, '..', '..', 'fixtures', 'bills', `${name}.json`);
  return BillSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function settingsWith(overrides: Partial<IntegrationSettingsInput> = {}): DocumentSettings {
  return IntegrationSettingsSchema.parse({ name: 'QuickBooks US', destination: 'QuickBooks', ...overrides });
}

/** QBO Items the caller resolved for the fixtures' products, aggregations and bands. */
export const fixtureItems: ItemLookup = {
  Product: {
    'prod-platform': '11',
    'acct-storage': '12',
    'prod-analytics': '13',
    'acct-prepayments': '14',
    'prod-compute': '15',
    'prod-api': '16',
  },
  Aggregation: { 'agg-api-calls': '21', 'agg-compute-hours': '23' },
  CompoundAggregation: { 'cagg-weighted-queries': '22' },
  PricingBand: { 'band-api-2': '31' },
};

export const globexAccount: Account = usAccount;

export function homeCurrency(code: string): CurrencyFacts {
  return { multiCurrencyEnabled: false, homeCurrency: code };
}

export function inputFor(bill: Bill, overrides: Partial<BuildDocumentInput> = {}): BuildDocumentInput {
  return {
    bill,
    account: globexAccount,
    settings: settingsWith(),
    customerId: '58',
    currency: homeCurrency(bill.currency),
    items: fixtureItems,
    marker: `[m3ter-bill:${bill.id}]`,
    ...overrides,
  };
}

export function built(input: BuildDocumentInput): BuiltDocument {
  const result = buildQuickBooksDocument(input);
  if (result.kind !== 'document') assert.fail(`expected a document, got ${JSON.stringify(result)}`);
  return result;
}
