/** Customer (quickbooks.md §2): DisplayName (or name parts) required and unique, one currency, Active. */
import { currencyRef, isKnownCurrency } from '../currencies';
import { centsToNumber, toCents } from '../decimal';
import { errors, faults } from '../errors';
import { asBoolean, asNumber, asString, clone, refValue, type JsonObject } from '../json';
import { defineEntity, requireUniqueName, type OpContext } from './common';

const MAX_DISPLAY_NAME = 500;

/** Customer properties from Intuit's Finance.xsd (NameBase + Customer). */
// prettier-ignore
const FIELDS = [
  'Organization', 'Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix', 'DisplayName', 'CompanyName',
  'PrintOnCheckName', 'Active', 'PrimaryPhone', 'AlternatePhone', 'Mobile', 'Fax', 'PrimaryEmailAddr', 'WebAddr',
  'OtherContactInfo', 'DefaultTaxCodeRef', 'Taxable', 'BillAddr', 'ShipAddr', 'OtherAddr', 'ContactName',
  'AltContactName', 'Notes', 'Job', 'BillWithParent', 'RootCustomerRef', 'ParentRef', 'CustomerTypeRef',
  'SalesTermRef', 'SalesRepRef', 'PaymentMethodRef', 'CCDetail', 'PriceLevelRef', 'OpenBalanceDate', 'CreditLimit',
  'AcctNum', 'CurrencyRef', 'PreferredDeliveryMethod', 'ResaleNum', 'JobInfo', 'TDSEnabled', 'CustomerEx',
  'SecondaryTaxIdentifier', 'ARAccountRef', 'PrimaryTaxIdentifier', 'TaxExemptionReasonId', 'IsProject',
  'BusinessNumber', 'GSTIN', 'GSTRegistrationType', 'IsCISContractor', 'ClientCompanyId', 'ClientEntityId', 'Source',
  'TaxRegimeId', 'CustomField', 'Gender', 'EmailDeliveryPreference',
];
const READ_ONLY = [
  'FullyQualifiedName',
  'Balance',
  'BalanceWithJobs',
  'Level',
  'OverDueBalance',
  'TotalRevenue',
  'TotalExpense',
  'V4IDPseudonym',
];
const NAME_PARTS = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'];

function hasTransactions(ctx: OpContext, customerId: unknown): boolean {
  return (['Invoice', 'CreditMemo'] as const).some((k) =>
    ctx.realm.live(k).some((d) => refValue(d.CustomerRef) === customerId),
  );
}

function resolveCurrency(ctx: OpContext, input: JsonObject, previous: JsonObject | undefined): string {
  const { homeCurrency: home, multiCurrency } = ctx.realm.settings;
  const before = refValue(previous?.CurrencyRef);
  const currency = refValue(input.CurrencyRef) ?? before ?? home;
  if (!multiCurrency && currency !== home) {
    throw errors.business(
      `Multicurrency is not enabled for this company: the customer currency ${currency} is not the home currency ${home}.`,
      'CurrencyRef',
    );
  }
  if (!isKnownCurrency(currency))
    throw errors.business(`Currency ${currency} is not active for this company.`, 'CurrencyRef');
  if (previous && before !== undefined && currency !== before && hasTransactions(ctx, previous.Id)) {
    throw errors.business(
      `The currency of a customer with transactions can't be changed (from ${before} to ${currency}).`,
      'CurrencyRef',
    );
  }
  return currency;
}

/** The tax code QBO's US sandbox companies give a taxable customer when none is sent. */
export const US_DEFAULT_TAX_CODE = '2';

/**
 * A customer of a US company is taxable unless it says otherwise, with the company's default tax code (what
 * QBO's US sandbox answers); elsewhere it is not taxable. Values sent win.
 */
function salesTaxDefaults(ctx: OpContext, input: JsonObject): JsonObject {
  const taxable = asBoolean(input.Taxable) ?? ctx.realm.settings.country === 'US';
  return taxable && input.DefaultTaxCodeRef === undefined
    ? { Taxable: true, DefaultTaxCodeRef: { value: US_DEFAULT_TAX_CODE } }
    : { Taxable: taxable };
}

function build(ctx: OpContext, input: JsonObject, previous: JsonObject | undefined): JsonObject {
  const parts = NAME_PARTS.map((k) => asString(input[k])).filter((p): p is string => !!p && p.trim() !== '');
  const displayName = asString(input.DisplayName) ?? parts.join(' ');
  if (displayName.trim() === '') throw errors.validation(faults.customerNameMissing());
  if (displayName.length > MAX_DISPLAY_NAME)
    throw errors.validation(faults.stringLength('DisplayName', MAX_DISPLAY_NAME, displayName.length));
  requireUniqueName(ctx.realm, 'Customer', 'DisplayName', displayName, previous?.Id);
  const currency = resolveCurrency(ctx, input, previous);
  return clone({
    ...salesTaxDefaults(ctx, input),
    Job: false,
    BillWithParent: false,
    PreferredDeliveryMethod: 'Print',
    IsProject: false,
    ...input,
    DisplayName: displayName,
    FullyQualifiedName: displayName,
    PrintOnCheckName: asString(input.PrintOnCheckName) ?? displayName,
    Active: asBoolean(input.Active) ?? true,
    CurrencyRef: currencyRef(currency),
    Balance: 0,
    BalanceWithJobs: 0,
  });
}

/** Balance = open invoice balances − unapplied credit, computed when read. */
function present(ctx: OpContext, doc: JsonObject): JsonObject {
  const out = clone(doc);
  let balance = 0n;
  for (const inv of ctx.realm.live('Invoice'))
    if (refValue(inv.CustomerRef) === doc.Id) balance += toCents(asNumber(inv.Balance) ?? 0);
  for (const cm of ctx.realm.live('CreditMemo'))
    if (refValue(cm.CustomerRef) === doc.Id) balance -= toCents(asNumber(cm.RemainingCredit) ?? 0);
  out.Balance = centsToNumber(balance);
  out.BalanceWithJobs = centsToNumber(balance);
  return out;
}

export const customer = defineEntity({
  name: 'Customer',
  known: new Set(FIELDS),
  readOnly: new Set(READ_ONLY),
  build,
  present,
});
