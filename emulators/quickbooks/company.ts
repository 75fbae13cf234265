/** CompanyInfo and Preferences of a realm, derived from its settings (read-only in the emulator). */
import { formatDateTime } from './clock';
import { currencyRef } from './currencies';
import type { JsonObject } from './json';
import type { Realm } from './store';

function metaData(realm: Realm): JsonObject {
  const t = formatDateTime(realm.createdAt, realm.settings.utcOffset);
  return { CreateTime: t, LastUpdatedTime: t };
}

export function preferences(realm: Realm): JsonObject {
  const s = realm.settings;
  return {
    AccountingInfoPrefs: {
      TrackDepartments: false,
      ClassTrackingPerTxn: false,
      ClassTrackingPerTxnLine: false,
      CustomerTerminology: 'Customers',
      BookCloseDate: s.bookCloseDate ?? undefined,
    },
    ProductAndServicesPrefs: {
      ForSales: true,
      ForPurchase: true,
      QuantityWithPriceAndRate: true,
      QuantityOnHand: true,
    },
    SalesFormsPrefs: {
      CustomField: [],
      CustomTxnNumbers: s.customTxnNumbers,
      AllowDeposit: true,
      AllowDiscount: true,
      DefaultDiscountAccount: '86',
      AllowEstimates: true,
      ETransactionEnabledStatus: 'NotApplicable',
      ETransactionAttachPDF: false,
      ETransactionPaymentEnabled: false,
      IPNSupportEnabled: false,
      AllowServiceDate: true,
      AllowShipping: false,
      DefaultTerms: { value: '3' },
      AutoApplyCredit: true,
      UsingPriceLevels: false,
      UsingProgressInvoicing: false,
    },
    EmailMessagesPrefs: {},
    VendorAndPurchasesPrefs: { TrackingByCustomer: true, BillableExpenseTracking: true, POCustomField: [] },
    TimeTrackingPrefs: {
      UseServices: true,
      BillCustomers: true,
      ShowBillRateToAll: false,
      WorkWeekStartDate: 'Monday',
      MarkTimeEntriesBillable: true,
    },
    TaxPrefs: { UsingSalesTax: false, PartnerTaxEnabled: false },
    CurrencyPrefs: { MultiCurrencyEnabled: s.multiCurrency, HomeCurrency: { value: s.homeCurrency } },
    ReportPrefs: { ReportBasis: 'Accrual', CalcAgingReportFromTxnDate: false },
    OtherPrefs: {
      NameValue: [
        { Name: 'SalesFormsPrefs.DefaultCustomerMessage' },
        { Name: 'WarnDuplicateCheckNumber', Value: 'true' },
      ],
    },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: metaData(realm),
  };
}

export function companyInfo(realm: Realm): JsonObject {
  const s = realm.settings;
  const addr = {
    Id: '1',
    Line1: '123 Sierra Way',
    City: 'San Pablo',
    CountrySubDivisionCode: 'CA',
    PostalCode: '87999',
    Country: s.country,
  };
  return {
    CompanyName: s.companyName,
    LegalName: s.companyName,
    CompanyAddr: addr,
    CustomerCommunicationAddr: addr,
    LegalAddr: addr,
    PrimaryPhone: {},
    CompanyStartDate: formatDateTime(realm.createdAt, s.utcOffset).slice(0, 10),
    FiscalYearStartMonth: 'January',
    Country: s.country,
    Email: { Address: 'noreply@quickbooks.com' },
    WebAddr: {},
    SupportedLanguages: 'en',
    NameValue: [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IndustryType', Value: 'Software' },
      { Name: 'CompanyType', Value: 'Other' },
      { Name: 'SubscriptionStatus', Value: 'SUBSCRIBED' },
      { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
      { Name: 'IsQbdtMigrated', Value: 'false' },
      { Name: 'HomeCurrency', Value: currencyRef(s.homeCurrency).value },
    ],
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: metaData(realm),
  };
}
