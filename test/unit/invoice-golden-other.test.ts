import assert from 'node:assert/strict';
import { buildQuickBooksDocument, type QboSalesItemLine } from '../../src/domain/invoice';
import { built, inputFor, loadBill, settingsWith } from './support/invoice';

function line(
  Amount: number,
  Description: string,
  detail: QboSalesItemLine['SalesItemLineDetail'],
): QboSalesItemLine {
  return { DetailType: 'SalesItemLineDetail', Amount, Description, SalesItemLineDetail: detail };
}

describe('invoice golden: commitment lines in GBP with multicurrency', () => {
  const bill = loadBill('commitment-gbp');
  const currency = { multiCurrencyEnabled: true, homeCurrency: 'USD', customerCurrency: 'GBP' };
  const fee = line(3000, 'Annual prepayment, instalment 2 of 4', {
    ItemRef: { value: '14' },
    Qty: 1,
    UnitPrice: 3000,
    ServiceDate: '2026-09-01',
  });
  const drawdown = line(-1250.46, 'Prepayment drawdown', {
    ItemRef: { value: '14' },
    ServiceDate: '2026-09-01',
  });
  const surcharge = line(109.75, 'Overage surcharge (10%)', {
    ItemRef: { value: '15' },
    ServiceDate: '2026-09-01',
  });
  const workshop = line(750, 'Onboarding workshop', { Qty: 2, UnitPrice: 375, ServiceDate: '2026-09-15' });
  // 3 × 7.777 = 23.331 → 23.33: the shortest price that reproduces the amount (the bill's has 7 decimals).
  const seats = line(23.33, 'Support seats (prorated)', {
    Qty: 3,
    UnitPrice: 7.777,
    ServiceDate: '2026-09-21',
  });
  const seatsRemoved = line(-2.58, 'Support seats removed (prorated)', {
    Qty: 1,
    UnitPrice: -2.58,
    ServiceDate: '2026-09-28',
  });
  const header = {
    CustomerRef: { value: '58' },
    TxnDate: '2026-10-01',
    PrivateNote: '[m3ter-bill:5d0c9a8b-7e6f-4a1b-8c2d-3e4f5a6b7c8d]',
    CustomerMemo: { value: 'Billing period 2026-09-01 to 2026-09-30' },
    BillEmail: { Address: 'ap@globex.example' },
    CurrencyRef: { value: 'GBP' },
    DueDate: '2026-10-31',
    AllowOnlineACHPayment: false,
    AllowOnlineCreditCardPayment: false,
  };
  const warnings = [
    'line 5 (Onboarding workshop) has no QuickBooks item mapping; it is sent without ItemRef',
    'line 6 (Support seats (prorated)) has no QuickBooks item mapping; it is sent without ItemRef',
    'line 7 (Support seats removed (prorated)) has no QuickBooks item mapping; it is sent without ItemRef',
    'DocNumber left to QuickBooks: sequentialInvoiceNumber "ACME-UK-2026-09-000000042" has 25 characters, more than 21',
  ];

  it('puts the quantity into the description when no Qty × UnitPrice reproduces the amount', () => {
    const result = built(inputFor(bill, { currency }));
    assert.deepStrictEqual(result, {
      kind: 'document',
      type: 'Invoice',
      payload: {
        ...header,
        Line: [
          fee,
          drawdown,
          line(1097.51, 'Compute hours (overage) — 12,345.678 hours', {
            ItemRef: { value: '23' },
            ServiceDate: '2026-09-01',
          }),
          surcharge,
          workshop,
          seats,
          seatsRemoved,
        ],
      },
      totalMinor: 372755,
      currency: 'GBP',
      lineCount: 7,
      warnings,
    });
  });

  it('splits OVERAGE_USAGE by band, each band priced exactly', () => {
    const result = built(
      inputFor(bill, { currency, settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_USAGE_BAND' }) }),
    );
    assert.deepStrictEqual(result.payload.Line, [
      fee,
      drawdown,
      line(900, 'Compute hours (overage) (1–10,000)', {
        ItemRef: { value: '23' },
        Qty: 10000,
        UnitPrice: 0.09,
        ServiceDate: '2026-09-01',
      }),
      line(197.51, 'Compute hours (overage) (10,001+)', {
        ItemRef: { value: '23' },
        Qty: 2345.678,
        UnitPrice: 0.0842,
        ServiceDate: '2026-09-01',
      }),
      surcharge,
      workshop,
      seats,
      seatsRemoved,
    ]);
    assert.equal(result.totalMinor, 372755);
  });

  it('makes the overage usage a product line in ITEM_PER_PRODUCT; commitment lines are not usage', () => {
    const result = built(
      inputFor(bill, { currency, settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_PRODUCT' }) }),
    );
    // Only OVERAGE_USAGE is a usage type: it becomes the "Compute" product line; commitment lines stay as they are.
    assert.deepStrictEqual(
      result.payload.Line[2],
      line(1097.51, 'Compute — 12,345.678 hours', {
        ItemRef: { value: '15' },
        ServiceDate: '2026-09-01',
      }),
    );
    assert.equal(result.lineCount, 7);
  });
});

describe('invoice golden: zero-decimal JPY bill', () => {
  const bill = loadBill('yen-jpy');
  const header = {
    CustomerRef: { value: '58' },
    TxnDate: '2026-10-31',
    PrivateNote: '[m3ter-bill:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d]',
    CustomerMemo: { value: 'Billing period 2026-10-01 to 2026-10-31' },
    BillEmail: { Address: 'ap@globex.example' },
    DueDate: '2026-11-30',
    AllowOnlineACHPayment: false,
    AllowOnlineCreditCardPayment: false,
  };
  const standard = line(50000, 'Standard plan', {
    ItemRef: { value: '16' },
    Qty: 1,
    UnitPrice: 50000,
    ServiceDate: '2026-10-01',
  });
  // 120.4 and 80.4 yen round down; the yen they lose goes to the first line that lost as much (431.4 → 432).
  const webhooks = line(120, 'Webhook deliveries', {
    ItemRef: { value: '16' },
    Qty: 301,
    UnitPrice: 0.39867,
    ServiceDate: '2026-10-01',
  });
  const logs = line(80, 'Log retention', {
    ItemRef: { value: '16' },
    Qty: 40.2,
    UnitPrice: 1.99,
    ServiceDate: '2026-10-01',
  });

  it('rounds to whole yen and allocates the remainder so the total is the rounded sum (50,632.2 → 50,632)', () => {
    const result = built(inputFor(bill));
    assert.deepStrictEqual(result.payload, {
      ...header,
      Line: [
        line(432, 'API calls', {
          ItemRef: { value: '16' },
          Qty: 1234,
          UnitPrice: 0.35008,
          ServiceDate: '2026-10-01',
        }),
        standard,
        webhooks,
        logs,
      ],
    });
    assert.equal(result.totalMinor, 50632);
  });

  it('reconciles band amounts with the line they split (350 + 81.4 → 350 + 82 = 432)', () => {
    const result = built(
      inputFor(bill, { settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_USAGE_BAND' }) }),
    );
    assert.deepStrictEqual(result.payload.Line, [
      line(350, 'API calls (1–1,000)', {
        ItemRef: { value: '16' },
        Qty: 1000,
        UnitPrice: 0.35,
        ServiceDate: '2026-10-01',
      }),
      line(82, 'API calls (1,001+)', {
        ItemRef: { value: '16' },
        Qty: 234,
        UnitPrice: 0.35043,
        ServiceDate: '2026-10-01',
      }),
      standard,
      webhooks,
      logs,
    ]);
    assert.deepEqual(result.warnings, []);
  });
});

describe('invoice golden: three-decimal KWD bill', () => {
  it('keeps three decimals and moves the rounding remainder to the most over-rounded line', () => {
    const bill = loadBill('dinar-kwd');
    const result = built(inputFor(bill, { settings: settingsWith({ sortLineItemsBy: 'SUBTOTAL' }) }));
    // 12.5 + 1.2345 − 0.0004 = 13.7341 → 13.734; 1.2345 alone would round to 1.235.
    assert.deepStrictEqual(result.payload.Line, [
      line(12.5, 'Platform subscription', {
        ItemRef: { value: '11' },
        Qty: 1,
        UnitPrice: 12.5,
        ServiceDate: '2026-10-01',
      }),
      line(1.234, 'SMS messages', {
        ItemRef: { value: '11' },
        Qty: 3,
        UnitPrice: 0.4113,
        ServiceDate: '2026-10-01',
      }),
      line(0, 'Goodwill credit', { ServiceDate: '2026-10-01' }),
    ]);
    assert.equal(result.totalMinor, 13734);
    assert.equal(result.payload.CustomerMemo?.value, 'Billing period 2026-10-01 to 2026-10-31');
  });
});

describe('invoice golden: net-negative bill becomes a credit memo', () => {
  const bill = loadBill('net-negative-usd');
  const refund = line(250, 'Refund: annual plan downgrade', { ServiceDate: '2026-11-01' });
  const api = line(-20.5, 'API calls', {
    ItemRef: { value: '21' },
    Qty: 41,
    UnitPrice: -0.5,
    ServiceDate: '2026-11-01',
  });
  const platform = line(-100, 'Platform subscription', {
    ItemRef: { value: '11' },
    Qty: 1,
    UnitPrice: -100,
    ServiceDate: '2026-11-01',
  });

  it('flips every sign, keeps Qty positive, and carries no due date or payment switches', () => {
    const settings = settingsWith({ allowBankTransferPayment: true, allowCreditCardPayment: true });
    assert.deepStrictEqual(buildQuickBooksDocument(inputFor(bill, { settings })), {
      kind: 'document',
      type: 'CreditMemo',
      payload: {
        CustomerRef: { value: '58' },
        TxnDate: '2026-12-01',
        DocNumber: 'INV-000131',
        PrivateNote: '[m3ter-bill:e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b]',
        CustomerMemo: { value: 'Billing period 2026-11-01 to 2026-11-30' },
        BillEmail: { Address: 'ap@globex.example' },
        Line: [platform, api, refund],
      },
      totalMinor: 12950,
      currency: 'USD',
      lineCount: 3,
      warnings: [
        'line 3 (Refund: annual plan downgrade) has no QuickBooks item mapping; it is sent without ItemRef',
      ],
    });
  });

  it('sorts by the amounts as they read on the credit memo', () => {
    const result = built(inputFor(bill, { settings: settingsWith({ sortLineItemsBy: 'SUBTOTAL' }) }));
    assert.deepStrictEqual(result.payload.Line, [refund, api, platform]);
  });

  it('sends a bill that nets to exactly zero as an invoice of 0', () => {
    const zero = {
      ...bill,
      lineItems: bill.lineItems.map((l) => (l.id === 'neg-03' ? { ...l, subtotal: -120.5 } : l)),
    };
    const result = built(inputFor(zero));
    assert.equal(result.type, 'Invoice');
    assert.equal(result.totalMinor, 0);
    assert.deepStrictEqual(
      result.payload.Line.map((l) => l.Amount),
      [100, 20.5, -120.5],
    );
  });
});

describe('invoice golden: lines priced in another currency', () => {
  const bill = loadBill('net-negative-usd');

  it('uses convertedSubtotal and converted band subtotals for a line in another currency', () => {
    const eurLine = {
      ...bill.lineItems[1]!,
      currency: 'EUR',
      subtotal: 19,
      convertedSubtotal: 20.5,
      usagePerPricingBand: [
        {
          pricingBandId: 'b1',
          lowerLimit: 0,
          bandQuantity: 41,
          unitPrice: 0.46,
          bandSubtotal: 19,
          convertedBandSubtotal: 20.5,
        },
      ],
    };
    const converted = { ...bill, lineItems: [bill.lineItems[0]!, eurLine] };
    const result = built(
      inputFor(converted, { settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_USAGE_BAND' }) }),
    );
    assert.deepStrictEqual(
      result.payload.Line.map((l) => l.Amount),
      [100, 20.5],
    );
  });

  it('refuses a line in another currency without a converted subtotal', () => {
    const unconverted = {
      ...bill,
      lineItems: [{ ...bill.lineItems[1]!, currency: 'EUR', convertedSubtotal: null }],
    };
    assert.deepStrictEqual(buildQuickBooksDocument(inputFor(unconverted)), {
      kind: 'invalid',
      code: 'LINE_CURRENCY_UNCONVERTED',
      message: 'line 1 (API calls) is in EUR, the bill in USD, and it has no convertedSubtotal',
    });
  });
});
