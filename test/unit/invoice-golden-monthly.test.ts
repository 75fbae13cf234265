import assert from 'node:assert/strict';
import {
  buildQuickBooksDocument,
  type QboInvoicePayload,
  type QboSalesItemLine,
} from '../../src/domain/invoice';
import { AccountSchema } from '../../src/domain/m3ter';
import { built, globexAccount, inputFor, loadBill, settingsWith } from './support/invoice';

/**
 * Golden payloads for a realistic monthly USD bill: standing charge, banded API usage, storage usage with an
 * accounting product, compound-aggregation usage, minimum spend, a zero-quantity line, credit and debit
 * memos and a usage credit with a fractional cent. Every expectation is the exact QBO create body.
 */
const bill = loadBill('monthly-usd');

const header = {
  CustomerRef: { value: '58' },
  TxnDate: '2026-11-01',
  DocNumber: 'INV-000123',
  PrivateNote: '[m3ter-bill:b7e3c1d2-5a4f-4e6b-9c8d-1f2a3b4c5d6e]',
  CustomerMemo: { value: 'Billing period 2026-10-01 to 2026-10-31' },
  BillEmail: { Address: 'ap@globex.example' },
  DueDate: '2026-12-01',
  AllowOnlineACHPayment: false,
  AllowOnlineCreditCardPayment: false,
};

const platform: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 499,
  Description: 'Platform subscription',
  SalesItemLineDetail: { ItemRef: { value: '11' }, Qty: 1, UnitPrice: 499, ServiceDate: '2026-10-01' },
};
const apiCalls: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 185,
  Description: 'API calls',
  SalesItemLineDetail: { ItemRef: { value: '21' }, Qty: 12500, UnitPrice: 0.0148, ServiceDate: '2026-10-01' },
};
const storage: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 28.4,
  Description: 'Data storage',
  SalesItemLineDetail: {
    ItemRef: { value: '12' },
    Qty: 1234.567,
    UnitPrice: 0.023,
    ServiceDate: '2026-10-01',
  },
};
const weightedQueries: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 42,
  Description: 'Weighted analytics queries',
  SalesItemLineDetail: { ItemRef: { value: '22' }, Qty: 420, UnitPrice: 0.1, ServiceDate: '2026-10-01' },
};
const minimumSpend: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 57.99,
  Description: 'Analytics Minimum Spend Adjustment',
  SalesItemLineDetail: { ItemRef: { value: '13' }, Qty: 1, UnitPrice: 57.99, ServiceDate: '2026-10-01' },
};
const serviceCredit: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: -25,
  Description: 'Service credit: 2026-10-14 outage',
  SalesItemLineDetail: { ItemRef: { value: '41' }, ServiceDate: '2026-10-14' },
};
const lateFee: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: 15,
  Description: 'Late payment fee',
  SalesItemLineDetail: { ServiceDate: '2026-10-01' },
};
const promoCredit: QboSalesItemLine = {
  DetailType: 'SalesItemLineDetail',
  Amount: -10.01,
  Description: 'Promotional API credit',
  SalesItemLineDetail: { ItemRef: { value: '21' }, Qty: 667, UnitPrice: -0.015, ServiceDate: '2026-10-01' },
};

const lateFeeWarning = 'line 8 (Late payment fee) has no QuickBooks item mapping; it is sent without ItemRef';
const withCreditMemoItem = { quickBooksItemMapping: { CREDIT_MEMO: '41' } };

describe('invoice golden: monthly USD bill', () => {
  it('ITEM_PER_AGGREGATION (default), bill order: one line per bill line, zero line dropped', () => {
    const result = built(inputFor(bill, { settings: settingsWith(withCreditMemoItem) }));
    const expected: QboInvoicePayload = {
      ...header,
      Line: [platform, apiCalls, storage, weightedQueries, minimumSpend, serviceCredit, lateFee, promoCredit],
    };
    assert.deepStrictEqual(result, {
      kind: 'document',
      type: 'Invoice',
      payload: expected,
      totalMinor: 79238,
      currency: 'USD',
      lineCount: 8,
      warnings: [lateFeeWarning],
    });
  });

  it('ITEM_PER_USAGE_BAND: one line per band used, band item first, ranges in the description', () => {
    const result = built(
      inputFor(bill, { settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_USAGE_BAND' }) }),
    );
    const band = (
      Amount: number,
      range: string,
      item: string,
      Qty: number,
      UnitPrice: number,
    ): QboSalesItemLine => ({
      DetailType: 'SalesItemLineDetail',
      Amount,
      Description: `API calls (${range})`,
      SalesItemLineDetail: { ItemRef: { value: item }, Qty, UnitPrice, ServiceDate: '2026-10-01' },
    });
    assert.deepStrictEqual(result.payload.Line, [
      platform,
      band(0, '1–1,000', '21', 1000, 0),
      band(135, '1,001–10,000', '31', 9000, 0.015),
      band(50, '10,001–100,000', '21', 2500, 0.02),
      storage, // no bands: one line
      weightedQueries,
      minimumSpend,
      { ...serviceCredit, SalesItemLineDetail: { ServiceDate: '2026-10-14' } },
      lateFee,
      promoCredit,
    ]);
    assert.equal(result.totalMinor, 79238);
    assert.deepEqual(result.warnings, [
      'line 7 (Service credit: 2026-10-14 outage) has no QuickBooks item mapping; it is sent without ItemRef',
      lateFeeWarning,
    ]);
  });

  it('ITEM_PER_PRODUCT: usage summed per (accounting) product in order of first appearance', () => {
    const byProduct = built(
      inputFor(bill, {
        settings: settingsWith({ ...withCreditMemoItem, splitUsageLineItems: 'ITEM_PER_PRODUCT' }),
      }),
    );
    assert.deepStrictEqual(byProduct.payload.Line, [
      platform,
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 174.99, // 185 API calls − 10.01 promotional credit, same unit so quantities add up
        Description: 'Platform',
        SalesItemLineDetail: {
          ItemRef: { value: '11' },
          Qty: 13167,
          UnitPrice: 0.01329,
          ServiceDate: '2026-10-01',
        },
      },
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 28.4,
        Description: 'Storage revenue',
        SalesItemLineDetail: {
          ItemRef: { value: '12' },
          Qty: 1234.567,
          UnitPrice: 0.023,
          ServiceDate: '2026-10-01',
        },
      },
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 42,
        Description: 'Analytics',
        SalesItemLineDetail: {
          ItemRef: { value: '13' },
          Qty: 420,
          UnitPrice: 0.1,
          ServiceDate: '2026-10-01',
        },
      },
      minimumSpend,
      serviceCredit,
      lateFee,
    ]);
    assert.equal(byProduct.totalMinor, 79238);
    assert.equal(byProduct.lineCount, 7);
  });

  it('maps DEBIT_MEMO lines through quickBooksItemMapping too, never through their product', () => {
    const settings = settingsWith({ quickBooksItemMapping: { CREDIT_MEMO: '41', DEBIT_MEMO: '42' } });
    const result = built(inputFor(bill, { settings }));
    assert.deepStrictEqual(result.payload.Line[6], {
      ...lateFee,
      SalesItemLineDetail: { ItemRef: { value: '42' }, ServiceDate: '2026-10-01' },
    });
    assert.deepEqual(result.warnings, []);
  });

  it('sorts by SUBTOTAL: largest amount first, ties in bill order', () => {
    const result = built(
      inputFor(bill, { settings: settingsWith({ ...withCreditMemoItem, sortLineItemsBy: 'SUBTOTAL' }) }),
    );
    assert.deepStrictEqual(result.payload.Line, [
      platform,
      apiCalls,
      minimumSpend,
      weightedQueries,
      storage,
      lateFee,
      promoCredit,
      serviceCredit,
    ]);
  });

  it('sorts by AGGREGATION_ID: aggregation or compound aggregation id, lines without one last', () => {
    const result = built(
      inputFor(bill, {
        settings: settingsWith({ ...withCreditMemoItem, sortLineItemsBy: 'AGGREGATION_ID' }),
      }),
    );
    // agg-api-calls, agg-api-calls, agg-storage-gb, cagg-weighted-queries, then bill order
    assert.deepStrictEqual(result.payload.Line, [
      apiCalls,
      promoCredit,
      storage,
      weightedQueries,
      platform,
      minimumSpend,
      serviceCredit,
      lateFee,
    ]);
  });

  it('drops excluded types, products (accounting product first) and aggregations; keeps zero lines on request', () => {
    const settings = settingsWith({
      excludedLineItemTypes: ['CREDIT_MEMO', 'DEBIT_MEMO'],
      excludedProductIds: ['acct-storage', 'prod-analytics'],
      excludedAggregationIds: ['agg-api-calls'],
      sendZeroQuantityLineItems: true,
    });
    const result = built(inputFor(bill, { settings }));
    assert.deepStrictEqual(result.payload, {
      ...header,
      Line: [
        platform,
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 0,
          Description: 'Premium support tickets',
          SalesItemLineDetail: { ServiceDate: '2026-10-01' },
        },
      ],
    });
    assert.equal(result.totalMinor, 49900);
  });

  it('matches the accounting product, not the product, when a line has both', () => {
    const result = built(
      inputFor(bill, { settings: settingsWith({ excludedProductIds: ['prod-platform'] }) }),
    );
    assert.deepStrictEqual(result.payload.Line, [storage, weightedQueries, minimumSpend]);
    const compound = built(
      inputFor(bill, { settings: settingsWith({ excludedAggregationIds: ['cagg-weighted-queries'] }) }),
    );
    assert.ok(!compound.payload.Line.some((l) => l.Description === weightedQueries.Description));
  });

  it('fills every header field it can', () => {
    const settings = settingsWith({
      allowBankTransferPayment: true,
      allowCreditCardPayment: true,
      bccInvoiceEmailAddress: 'ar-archive@vendor.example',
      accountManagerEmailCustomField: 'accountManager',
    });
    const result = built(
      inputFor(bill, {
        settings,
        currency: { multiCurrencyEnabled: true, homeCurrency: 'GBP', customerCurrency: 'USD' },
      }),
    );
    const { Line: _line, ...fields } = result.payload;
    assert.deepStrictEqual(fields, {
      CustomerRef: { value: '58' },
      TxnDate: '2026-11-01',
      DocNumber: 'INV-000123',
      PrivateNote: '[m3ter-bill:b7e3c1d2-5a4f-4e6b-9c8d-1f2a3b4c5d6e]',
      CustomerMemo: { value: 'Billing period 2026-10-01 to 2026-10-31' },
      BillEmail: { Address: 'ap@globex.example' },
      BillEmailCc: { Address: 'jane.doe@vendor.example' },
      BillEmailBcc: { Address: 'ar-archive@vendor.example' },
      CurrencyRef: { value: 'USD' },
      DueDate: '2026-12-01',
      AllowOnlineACHPayment: true,
      AllowOnlineCreditCardPayment: true,
    });
  });

  it('uses billDate without externalInvoiceDate, leaves out what is missing, and warns about unusable values', () => {
    const sparse = {
      ...bill,
      externalInvoiceDate: null,
      dueDate: null,
      startDate: null,
      sequentialInvoiceNumber: 'INV-2026-11-GLOBEX-US-000123',
    };
    const account = AccountSchema.parse({
      ...globexAccount,
      emailAddress: 'not an e-mail',
      customFields: { accountManager: 'Jane (ask reception)' },
    });
    const settings = settingsWith({
      ...withCreditMemoItem,
      accountManagerEmailCustomField: 'accountManager',
    });
    const result = built(inputFor(sparse, { account, settings }));
    const { Line: _line, ...fields } = result.payload;
    assert.deepStrictEqual(fields, {
      CustomerRef: { value: '58' },
      TxnDate: '2026-11-01',
      PrivateNote: '[m3ter-bill:b7e3c1d2-5a4f-4e6b-9c8d-1f2a3b4c5d6e]',
      AllowOnlineACHPayment: false,
      AllowOnlineCreditCardPayment: false,
    });
    assert.deepEqual(result.warnings, [
      lateFeeWarning,
      'DocNumber left to QuickBooks: sequentialInvoiceNumber "INV-2026-11-GLOBEX-US-000123" has 28 characters, more than 21',
      'BillEmail left out: the account e-mail "not an e-mail" is not a usable e-mail address',
      'BillEmailCc left out: the account custom field "accountManager" "Jane (ask reception)" is not a usable e-mail address',
    ]);
    const otherDate = built(inputFor({ ...bill, externalInvoiceDate: null, billDate: '2026-11-02' }));
    assert.equal(otherDate.payload.TxnDate, '2026-11-02');
  });

  it('refuses a bill whose currency is not the home currency (multicurrency off), naming both', () => {
    const result = buildQuickBooksDocument(
      inputFor(bill, { currency: { multiCurrencyEnabled: false, homeCurrency: 'CAD' } }),
    );
    assert.deepStrictEqual(result, {
      kind: 'invalid',
      code: 'CURRENCY_MISMATCH',
      message:
        'Bill currency USD is not the QuickBooks home currency CAD, and multicurrency is off in QuickBooks',
    });
  });

  it("refuses a bill whose currency is not the customer's (multicurrency on), naming both", () => {
    const result = buildQuickBooksDocument(
      inputFor(bill, {
        currency: { multiCurrencyEnabled: true, homeCurrency: 'USD', customerCurrency: 'EUR' },
      }),
    );
    assert.deepStrictEqual(result, {
      kind: 'invalid',
      code: 'CURRENCY_MISMATCH',
      message: "Bill currency USD does not match the QuickBooks customer's currency EUR",
    });
    const noCustomerCurrency = buildQuickBooksDocument(
      inputFor(bill, {
        currency: { multiCurrencyEnabled: true, homeCurrency: 'USD', customerCurrency: null },
      }),
    );
    assert.equal(noCustomerCurrency.kind, 'document');
  });

  it('skips a bill with nothing left to send', () => {
    const settings = settingsWith({
      excludedProductIds: ['prod-platform', 'prod-analytics', 'prod-support', 'acct-storage'],
    });
    assert.deepStrictEqual(buildQuickBooksDocument(inputFor(bill, { settings })), {
      kind: 'skip',
      reason: "no lines: none of the bill's 9 line items is to be sent",
    });
    assert.deepStrictEqual(buildQuickBooksDocument(inputFor({ ...bill, lineItems: [] })), {
      kind: 'skip',
      reason: "no lines: none of the bill's 0 line items is to be sent",
    });
  });

  it('is deterministic: the same input gives the same payload', () => {
    const a = buildQuickBooksDocument(inputFor(bill));
    const b = buildQuickBooksDocument(inputFor(structuredClone(bill)));
    assert.deepStrictEqual(a, b);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });
});
