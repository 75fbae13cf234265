import assert from 'node:assert/strict';
import { buildQuickBooksDocument, hashableDocument } from '../../src/domain/invoice';
import { bandRange, formatQuantity, isEmail, previousDay } from '../../src/domain/invoice/format';
import { firstMappedItem } from '../../src/domain/invoice/item-resolution';
import { sortLines } from '../../src/domain/invoice/line-order';
import { quantityAndPrice } from '../../src/domain/invoice/quantity-price';
import type { DraftLine } from '../../src/domain/invoice/draft-line';
import { BillLineItemSchema, type Bill, type BillLineItem } from '../../src/domain/m3ter';
import { built, inputFor, loadBill, settingsWith } from './support/invoice';

const base = loadBill('net-negative-usd');

function billWith(lines: Array<Partial<BillLineItem>>): Bill {
  return {
    ...base,
    lineItems: lines.map((l) => BillLineItemSchema.parse({ lineItemType: 'USAGE', subtotal: 0, ...l })),
  };
}

describe('invoice parts', () => {
  describe('formatting', () => {
    it('groups quantity digits and keeps every decimal', () => {
      assert.equal(formatQuantity(1234.5), '1,234.5');
      assert.equal(formatQuantity(1234567), '1,234,567');
      assert.equal(formatQuantity(-1000.25), '-1,000.25');
      assert.equal(formatQuantity(0.000015), '0.000015');
      assert.equal(formatQuantity(1e21), '1,000,000,000,000,000,000,000');
      assert.equal(formatQuantity(999), '999');
    });

    it('describes band ranges from consecutive lower limits', () => {
      assert.equal(bandRange(1000, 10000), '1,001–10,000');
      assert.equal(bandRange(0, 1000), '1–1,000');
      assert.equal(bandRange(10000, null), '10,001+');
      assert.equal(bandRange(0, null), null); // a single band covering everything
      assert.equal(bandRange(null, 10), null);
      assert.equal(bandRange(4, 5), '5');
      assert.equal(bandRange(0.5, 2.5), '0.5–2.5');
      assert.equal(bandRange(2.5, null), '2.5+');
    });

    it('finds the day before a date, across months and leap days', () => {
      assert.equal(previousDay('2026-11-01'), '2026-10-31');
      assert.equal(previousDay('2028-03-01'), '2028-02-29');
      assert.equal(previousDay('2027-01-01'), '2026-12-31');
    });

    it('accepts plain e-mail addresses only', () => {
      assert.ok(isEmail('jane.doe+billing@vendor.example', 100));
      for (const bad of [
        'jane',
        'jane@',
        '@vendor.example',
        'jane doe@vendor.example',
        'a@b',
        'x@y.z,w@v.u',
      ]) {
        assert.ok(!isEmail(bad, 100), bad);
      }
      assert.ok(!isEmail(`${'a'.repeat(95)}@b.example`, 100));
    });
  });

  describe('Qty and UnitPrice', () => {
    it('uses a given price when Qty × UnitPrice reproduces the amount to the cent', () => {
      assert.deepEqual(quantityAndPrice(18500, 'USD', [12500], [0.0148]), { qty: 12500, unitPrice: 0.0148 });
      assert.deepEqual(quantityAndPrice(-1001, 'USD', [667], [-0.015]), { qty: 667, unitPrice: -0.015 });
      assert.deepEqual(quantityAndPrice(-1001, 'USD', [-667], [0.015]), { qty: 667, unitPrice: -0.015 });
    });

    it('derives the shortest exact price when the given ones do not fit', () => {
      assert.deepEqual(quantityAndPrice(2333, 'GBP', [3], [7.7777777]), { qty: 3, unitPrice: 7.777 });
      assert.deepEqual(quantityAndPrice(3000, 'USD', [3], []), { qty: 3, unitPrice: 10 });
      assert.deepEqual(quantityAndPrice(0, 'USD', [5], [null]), { qty: 5, unitPrice: 0 });
    });

    it('checks to the cent even for zero-decimal currencies', () => {
      // 1234 × 0.35 = 431.9: whole yen would accept it, QBO's cent check would not.
      assert.deepEqual(quantityAndPrice(432, 'JPY', [1234], [0.35]), { qty: 1234, unitPrice: 0.35008 });
    });

    it('tries the second quantity (rated units) when the first does not fit', () => {
      assert.deepEqual(quantityAndPrice(500, 'USD', [123456789.123, 2], [2.5]), { qty: 2, unitPrice: 2.5 });
    });

    it('gives up on zero, non-finite or over-precise quantities', () => {
      assert.equal(quantityAndPrice(1000, 'USD', [0], [10]), null);
      assert.equal(quantityAndPrice(0, 'USD', [0], [10]), null);
      assert.equal(quantityAndPrice(1000, 'USD', [Number.NaN, null, undefined], [10]), null);
      assert.equal(quantityAndPrice(1000, 'USD', [0.1234567], [81.00000081]), null);
      assert.equal(quantityAndPrice(109738, 'GBP', [12345.678], [0.0888980133]), null);
    });
  });

  it('resolves items along the chain, ignoring blanks and prototype keys', () => {
    const items = { Product: { p1: '7', blank: '' }, Aggregation: {} };
    assert.equal(
      firstMappedItem(items, [
        ['Aggregation', 'a1'],
        ['Product', 'p1'],
      ]),
      '7',
    );
    assert.equal(
      firstMappedItem(items, [
        ['Product', 'blank'],
        ['Product', null],
        ['Product', ''],
      ]),
      null,
    );
    assert.equal(
      firstMappedItem(items, [
        ['Product', 'constructor'],
        ['Product', '__proto__'],
      ]),
      null,
    );
    assert.equal(firstMappedItem({}, [['PricingBand', 'b1']]), null);
  });

  it('sorts stably and puts lines without an aggregation last', () => {
    const draft = (amountMinor: number, aggregationId: string | null, label: string): DraftLine => ({
      amountMinor,
      aggregationId,
      label,
      description: label,
      quantities: [],
      unitPrices: [],
      displayQuantity: null,
      unit: null,
      serviceDate: null,
      itemId: null,
    });
    const lines = [
      draft(5, null, 'a'),
      draft(9, 'z', 'b'),
      draft(5, 'a', 'c'),
      draft(9, null, 'd'),
      draft(-1, 'a', 'e'),
    ];
    const labels = (by: 'NONE' | 'SUBTOTAL' | 'AGGREGATION_ID') =>
      sortLines(lines, by)
        .map((l) => l.label)
        .join('');
    assert.equal(labels('NONE'), 'abcde');
    assert.equal(labels('SUBTOTAL'), 'bdace');
    assert.equal(labels('AGGREGATION_ID'), 'cebad');
  });

  describe('pricing bands', () => {
    const bands = [
      { pricingBandId: 'b1', lowerLimit: 0, bandQuantity: 100, unitPrice: 0.1, bandSubtotal: 10 },
      { pricingBandId: 'b2', lowerLimit: 100, bandQuantity: 50, unitPrice: 0.2, bandSubtotal: 10 },
    ];
    const byBand = settingsWith({ splitUsageLineItems: 'ITEM_PER_USAGE_BAND' });

    it('spreads a difference between bands and subtotal across the bands, with a warning', () => {
      const bill = billWith([
        { description: 'Events', quantity: 150, subtotal: 25, usagePerPricingBand: bands },
      ]);
      const result = built(inputFor(bill, { settings: byBand, items: {} }));
      assert.deepEqual(
        result.payload.Line.map((l) => [l.Amount, l.Description]),
        [
          [12.5, 'Events (1–100)'],
          [12.5, 'Events (101+)'],
        ],
      );
      assert.equal(result.totalMinor, 2500);
      assert.ok(
        result.warnings.includes(
          'The pricing bands of line 1 (Events) add up to 20.00, its subtotal is 25.00; the difference was spread across the bands',
        ),
      );
    });

    it('keeps the line whole when a used band has no amount', () => {
      const broken = [bands[0]!, { ...bands[1]!, bandSubtotal: null }];
      const bill = billWith([
        { description: 'Events', quantity: 150, subtotal: 20, usagePerPricingBand: broken },
      ]);
      const result = built(inputFor(bill, { settings: byBand, items: {} }));
      assert.deepEqual(
        result.payload.Line.map((l) => l.Description),
        ['Events'],
      );
    });

    it('keeps the line whole when no band was used', () => {
      const unused = bands.map((b) => ({ ...b, bandQuantity: 0, bandSubtotal: 0 }));
      const bill = billWith([
        { description: 'Events', quantity: 0, subtotal: 5, usagePerPricingBand: unused },
      ]);
      const result = built(inputFor(bill, { settings: byBand, items: {} }));
      assert.deepEqual(
        result.payload.Line.map((l) => [l.Amount, l.Description]),
        [[5, 'Events']],
      );
    });
  });

  describe('descriptions', () => {
    it('falls back to the aggregation, then product names when a line has no description', () => {
      const bill = billWith([
        { subtotal: 1, aggregationId: 'a1', productId: 'p1' },
        { subtotal: 2, compoundAggregationId: 'c1', productId: 'p1' },
        { subtotal: 3, productId: 'p1', productName: 'Widgets' },
        { subtotal: 4, lineItemType: 'AD_HOC', productId: 'p2' },
        { subtotal: 5, lineItemType: 'AD_HOC' },
      ]);
      const names = {
        Aggregation: { a1: 'API calls' },
        CompoundAggregation: { c1: 'Weighted calls' },
        Product: { p2: 'Services' },
      };
      const result = built(inputFor(bill, { names, items: {} }));
      assert.deepEqual(
        result.payload.Line.map((l) => l.Description),
        ['API calls', 'Weighted calls', 'Widgets', 'Services', undefined],
      );
    });

    it('truncates descriptions to what QuickBooks stores', () => {
      const bill = billWith([{ description: 'x'.repeat(5000), subtotal: 1 }]);
      const description = built(inputFor(bill)).payload.Line[0]?.Description ?? '';
      assert.equal(description.length, 4000);
      assert.ok(description.endsWith('…'));
    });
  });

  it('sends a line without ItemRef when no mapping exists, and never drops money', () => {
    const bill = billWith([{ description: 'Unmapped', subtotal: 0.004, quantity: 0 }]);
    const result = built(inputFor(bill, { items: {} }));
    assert.deepStrictEqual(result.payload.Line, [
      { DetailType: 'SalesItemLineDetail', Amount: 0, Description: 'Unmapped', SalesItemLineDetail: {} },
    ]);
  });

  it('refuses amounts QuickBooks cannot store', () => {
    const bill = billWith([{ description: 'Huge', subtotal: 1e10 }]);
    assert.deepStrictEqual(buildQuickBooksDocument(inputFor(bill)), {
      kind: 'invalid',
      code: 'AMOUNT_OUT_OF_RANGE',
      message: 'line 1 (Huge) has an amount QuickBooks cannot take: 10000000000',
    });
    const many = billWith(
      Array.from({ length: 3 }, () => ({ lineItemType: 'AD_HOC' as const, productId: 'p', subtotal: 9e9 })),
    );
    const grouped = buildQuickBooksDocument(
      inputFor(many, { settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_PRODUCT' }) }),
    );
    assert.equal(grouped.kind, 'document');
    const summed = billWith(Array.from({ length: 3 }, () => ({ productId: 'p', subtotal: 9e9 })));
    const result = buildQuickBooksDocument(
      inputFor(summed, { settings: settingsWith({ splitUsageLineItems: 'ITEM_PER_PRODUCT' }) }),
    );
    assert.equal(result.kind, 'invalid');
    assert.equal(result.kind === 'invalid' && result.code, 'AMOUNT_OUT_OF_RANGE');
  });

  it('hashes only the type and payload', () => {
    const result = built(inputFor(base));
    assert.deepStrictEqual(hashableDocument(result), { type: result.type, payload: result.payload });
    assert.deepStrictEqual(hashableDocument({ ...result, warnings: ['other'] }), hashableDocument(result));
  });
});
