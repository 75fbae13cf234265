import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildQuickBooksDocument,
  type BuildResult,
  type ItemLookup,
  type QboSalesItemLine,
} from '../../src/domain/invoice';
import { IntegrationSettingsSchema } from '../../src/domain/integration-settings';
import {
  BillSchema,
  LINE_ITEM_TYPES,
  USAGE_LINE_ITEM_TYPES,
  type Bill,
  type LineItemType,
} from '../../src/domain/m3ter';
import { inputFor } from './support/invoice';

/**
 * Random bills (bands, credits, fractional cents, several currencies) against an oracle written from the
 * spec alone: which lines are included, how many document lines there are, and what the total must be.
 * Amounts are generated as exact decimals (units × 10^-scale) so the oracle never touches floats.
 */

const SCALE = 6;
const CURRENCIES = { USD: 2, GBP: 2, JPY: 0, KRW: 0, KWD: 3, BHD: 3, CLF: 4 } as const;

interface Exact {
  /** value × 10^SCALE */
  micros: bigint;
  value: number;
}

const exact: fc.Arbitrary<Exact> = fc
  .tuple(fc.integer({ min: -100_000_000, max: 100_000_000 }), fc.integer({ min: 0, max: SCALE }))
  .map(([units, scale]) => ({
    micros: BigInt(units) * 10n ** BigInt(SCALE - scale),
    value: Number(`${units}e-${scale}`),
  }));

const money: fc.Arbitrary<Exact> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ micros: 0n, value: 0 }) },
  { weight: 4, arbitrary: exact },
);

const quantity = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 100_000 }),
  fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 1000),
);

const bandArb = fc.record({
  pricingBandId: fc.constantFrom('b1', 'b2', 'b3', null),
  bandQuantity: quantity,
  unitPrice: fc.option(
    fc.integer({ min: -2_000_000, max: 2_000_000 }).map((n) => n / 100_000),
    { nil: null },
  ),
  amount: money,
});

const lineArb = fc.record({
  lineItemType: fc.constantFrom(...LINE_ITEM_TYPES, 'USAGE', 'USAGE', 'USAGE_CREDIT'),
  amount: money,
  quantity,
  unit: fc.constantFrom(null, 'GB', 'calls'),
  productId: fc.constantFrom(null, 'p1', 'p2', 'p3'),
  accountingProductId: fc.constantFrom(null, null, 'ap1'),
  aggregationId: fc.constantFrom(null, 'a1', 'a2'),
  compoundAggregationId: fc.constantFrom(null, null, 'c1'),
  averageUnitPrice: fc.option(
    fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 10_000),
    { nil: null },
  ),
  bands: fc.option(fc.array(bandArb, { maxLength: 4 }), { nil: null }),
  /** When set, the line amount is the exact sum of its bands (as m3ter sends it). */
  bandsAddUp: fc.boolean(),
  description: fc.string({ maxLength: 12 }),
});

type GeneratedLine = typeof lineArb extends fc.Arbitrary<infer T> ? T : never;

const settingsArb = fc.record({
  splitUsageLineItems: fc.constantFrom('ITEM_PER_USAGE_BAND', 'ITEM_PER_PRODUCT', 'ITEM_PER_AGGREGATION'),
  sortLineItemsBy: fc.constantFrom('NONE', 'SUBTOTAL', 'AGGREGATION_ID'),
  sendZeroQuantityLineItems: fc.boolean(),
  excludedLineItemTypes: fc.subarray([...LINE_ITEM_TYPES], { maxLength: 3 }),
  excludedProductIds: fc.subarray(['p1', 'ap1']),
  excludedAggregationIds: fc.subarray(['a1', 'c1']),
  quickBooksItemMapping: fc.record(
    { CREDIT_MEMO: fc.option(fc.constant('41'), { nil: undefined }) },
    { requiredKeys: [] },
  ),
});

const itemsArb: fc.Arbitrary<ItemLookup> = fc.record({
  Product: fc.constantFrom<Record<string, string>>({}, { p1: '11', ap1: '12' }, { p2: '13' }),
  Aggregation: fc.constantFrom<Record<string, string>>({}, { a1: '21' }),
  CompoundAggregation: fc.constantFrom<Record<string, string>>({}, { c1: '22' }),
  PricingBand: fc.constantFrom<Record<string, string>>({}, { b1: '31', b2: '32' }),
});

const scenarioArb = fc.record({
  currency: fc.constantFrom(...(Object.keys(CURRENCIES) as Array<keyof typeof CURRENCIES>)),
  lines: fc.array(lineArb, { maxLength: 12 }),
  settings: settingsArb,
  items: itemsArb,
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The effective exact amount of a generated line (its bands' sum when they add up). */
function lineMicros(line: GeneratedLine): bigint {
  if (line.bandsAddUp && line.bands && line.bands.length > 0)
    return line.bands.reduce((s, b) => s + b.amount.micros, 0n);
  return line.amount.micros;
}

function toBill(scenario: Scenario, negate = false): Bill {
  const sign = (n: number | null) => (n === null ? null : negate && n !== 0 ? -n : n);
  const fromMicros = (micros: bigint) => sign(Number(`${micros}e-${SCALE}`))!;
  return BillSchema.parse({
    id: 'bill-prop',
    accountId: 'acc-prop',
    billDate: '2026-11-01',
    dueDate: '2026-12-01',
    startDate: '2026-10-01',
    endDate: '2026-11-01',
    currency: scenario.currency,
    lineItems: scenario.lines.map((line, i) => ({
      id: `l${i}`,
      description: line.description,
      lineItemType: line.lineItemType,
      quantity: line.quantity,
      unit: line.unit,
      subtotal: fromMicros(lineMicros(line)),
      currency: scenario.currency,
      averageUnitPrice: sign(line.averageUnitPrice),
      productId: line.productId,
      accountingProductId: line.accountingProductId,
      aggregationId: line.aggregationId,
      compoundAggregationId: line.compoundAggregationId,
      servicePeriodStartDate: '2026-10-01T00:00:00Z',
      usagePerPricingBand: line.bands?.map((band, b) => ({
        pricingBandId: band.pricingBandId,
        lowerLimit: b * 1000,
        bandQuantity: band.bandQuantity,
        unitPrice: sign(band.unitPrice),
        bandSubtotal: fromMicros(band.amount.micros),
      })),
    })),
  });
}

function build(scenario: Scenario, negate = false): BuildResult {
  const settings = IntegrationSettingsSchema.parse({
    name: 'prop',
    destination: 'QuickBooks',
    ...scenario.settings,
  });
  return buildQuickBooksDocument(inputFor(toBill(scenario, negate), { settings, items: scenario.items }));
}

/** Spec §5.3 selection, restated. */
function included(scenario: Scenario): GeneratedLine[] {
  const s = scenario.settings;
  return scenario.lines.filter((line) => {
    if (s.excludedLineItemTypes.includes(line.lineItemType)) return false;
    const product = line.accountingProductId ?? line.productId;
    if (product !== null && s.excludedProductIds.includes(product)) return false;
    if (
      [line.aggregationId, line.compoundAggregationId].some(
        (a) => a !== null && s.excludedAggregationIds.includes(a),
      )
    ) {
      return false;
    }
    return s.sendZeroQuantityLineItems || line.quantity !== 0 || lineMicros(line) !== 0n;
  });
}

function expectedLineCount(scenario: Scenario, lines: GeneratedLine[]): number {
  const isUsage = (t: LineItemType) => USAGE_LINE_ITEM_TYPES.includes(t);
  const mode = scenario.settings.splitUsageLineItems;
  const products = new Set<string>();
  let count = 0;
  for (const line of lines) {
    if (!isUsage(line.lineItemType) || mode === 'ITEM_PER_AGGREGATION') count += 1;
    else if (mode === 'ITEM_PER_USAGE_BAND') {
      const used = (line.bands ?? []).filter((b) => b.bandQuantity !== 0 || b.amount.micros !== 0n).length;
      count += Math.max(1, used);
    } else {
      const key = line.accountingProductId ?? line.productId;
      if (key === null) count += 1;
      else products.add(key);
    }
  }
  return count + products.size;
}

/** Round half away from zero of micros to `exponent` decimals. */
function roundMicros(micros: bigint, exponent: number): bigint {
  return roundHalf(micros, SCALE - exponent);
}

/** Drops `dropDigits` decimal digits, rounding half away from zero. */
function roundHalf(value: bigint, dropDigits: number): bigint {
  const divisor = 10n ** BigInt(dropDigits);
  const magnitude = value < 0n ? -value : value;
  const rounded = (2n * magnitude + divisor) / (2n * divisor);
  return value < 0n ? -rounded : rounded;
}

/** A JSON number as an exact decimal scaled to `scale` digits, or null if it has more digits. */
function scaled(value: number, scale: number): bigint | null {
  const [mantissa = '', exp = '0'] = String(value).split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = fraction.length - Number(exp);
  if (digits > scale) return null;
  return BigInt(`${whole}${fraction}`) * 10n ** BigInt(scale - digits);
}

function assertLineIsConsistent(line: QboSalesItemLine, exponent: number): void {
  const amount = scaled(line.Amount, exponent);
  assert.notEqual(amount, null, `Amount ${line.Amount} has more than ${exponent} decimals`);
  const { Qty, UnitPrice } = line.SalesItemLineDetail;
  assert.equal(Qty === undefined, UnitPrice === undefined, 'Qty and UnitPrice go together');
  if (Qty === undefined || UnitPrice === undefined) return;
  assert.ok(Qty > 0, `Qty ${Qty}`);
  const product = scaled(Qty, 10)! * scaled(UnitPrice, 10)!; // scale 20
  // Compare at the cent and at the currency precision, like QBO's 6070 check.
  for (const precision of [2, Math.max(2, exponent)]) {
    const p = roundHalf(product, 20 - precision);
    const a = roundHalf(amount! * 10n ** BigInt(20 - exponent), 20 - precision);
    assert.equal(p, a, `${Qty} × ${UnitPrice} ≠ ${line.Amount} at ${precision} decimals`);
  }
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  return Object.values(value).some(containsNull);
}

describe('invoice building: properties', () => {
  it('total, line count, type, Qty × UnitPrice and shape hold for random bills', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = build(scenario);
        const lines = included(scenario);
        if (lines.length === 0) {
          assert.equal(result.kind, 'skip');
          return;
        }
        if (result.kind !== 'document') return assert.fail(JSON.stringify(result));
        const exponent = CURRENCIES[scenario.currency];
        const expected = roundMicros(
          lines.reduce((sum, line) => sum + lineMicros(line), 0n),
          exponent,
        );
        assert.equal(result.type, expected < 0n ? 'CreditMemo' : 'Invoice');
        const magnitude = expected < 0n ? -expected : expected;
        assert.equal(BigInt(result.totalMinor), magnitude);
        const sum = result.payload.Line.reduce((s, line) => s + (scaled(line.Amount, exponent) ?? 0n), 0n);
        assert.equal(sum, magnitude, 'document total = included bill amounts, summed then rounded once');
        assert.equal(result.lineCount, result.payload.Line.length);
        assert.equal(result.lineCount, expectedLineCount(scenario, lines));
        for (const line of result.payload.Line) assertLineIsConsistent(line, exponent);
        assert.ok(!containsNull(result.payload), 'no nulls in the payload');
        assert.deepStrictEqual(build(scenario), result, 'deterministic');
      }),
      { numRuns: 1500 },
    );
  });

  it('a credit memo has exactly the lines of the invoice of the negated bill', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = build(scenario);
        if (result.kind !== 'document' || result.type !== 'CreditMemo') return;
        const mirror = build(scenario, true);
        assert.equal(mirror.kind === 'document' && mirror.type, 'Invoice');
        assert.deepStrictEqual(mirror.kind === 'document' && mirror.payload.Line, result.payload.Line);
        assert.equal(mirror.kind === 'document' && mirror.totalMinor, result.totalMinor);
        assert.ok(!('DueDate' in result.payload) && !('AllowOnlineACHPayment' in result.payload));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever the currency facts, and refuses exactly the currency clashes', () => {
    const facts = fc.record({
      multiCurrencyEnabled: fc.boolean(),
      homeCurrency: fc.constantFrom('USD', 'JPY', 'KWD'),
      customerCurrency: fc.constantFrom(null, undefined, 'USD', 'JPY', 'KWD'),
    });
    fc.assert(
      fc.property(scenarioArb, facts, (scenario, currency) => {
        const settings = IntegrationSettingsSchema.parse({
          name: 'p',
          destination: 'QuickBooks',
          ...scenario.settings,
        });
        const bill = toBill(scenario);
        const result = buildQuickBooksDocument(inputFor(bill, { settings, items: scenario.items, currency }));
        const target = currency.multiCurrencyEnabled
          ? (currency.customerCurrency ?? currency.homeCurrency)
          : currency.homeCurrency;
        assert.equal(result.kind === 'invalid', bill.currency !== target, JSON.stringify(result));
        if (result.kind === 'invalid')
          assert.match(result.message, new RegExp(`${bill.currency}.*${target}`));
        if (result.kind === 'document') {
          assert.equal('CurrencyRef' in result.payload, currency.multiCurrencyEnabled);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('invoice building: fuzz', () => {
  const anyNumber = fc.oneof(
    fc.double(),
    fc.constantFrom(
      Number.NaN,
      Infinity,
      -Infinity,
      5e-324,
      1e308,
      -0,
      9.999999999e9,
      1e10,
      Number.MAX_SAFE_INTEGER,
    ),
    fc.constant(null),
  );
  const hostileLine = fc.record({
    lineItemType: fc.constantFrom(...LINE_ITEM_TYPES),
    subtotal: anyNumber,
    convertedSubtotal: anyNumber,
    quantity: anyNumber,
    units: anyNumber,
    averageUnitPrice: anyNumber,
    currency: fc.constantFrom(null, '', 'USD', 'usd', 'EUR'),
    description: fc.string({ unit: 'binary', maxLength: 50 }),
    productId: fc.constantFrom(null, '', 'p1', '__proto__', 'constructor'),
    accountingProductId: fc.constantFrom(null, '', 'ap1'),
    aggregationId: fc.constantFrom(null, '', 'a1', 'toString'),
    servicePeriodStartDate: fc.constantFrom(null, '', 'garbage', '2026-10-01T00:00:00Z'),
    usagePerPricingBand: fc.option(
      fc.array(
        fc.record({
          pricingBandId: fc.constantFrom(null, 'b1', 'hasOwnProperty'),
          lowerLimit: anyNumber,
          bandQuantity: anyNumber,
          bandUnits: anyNumber,
          unitPrice: anyNumber,
          bandSubtotal: anyNumber,
          convertedBandSubtotal: anyNumber,
        }),
        { maxLength: 5 },
      ),
      { nil: null },
    ),
  });

  it('never throws on hostile numbers and shapes the schema would not even let through', () => {
    fc.assert(
      fc.property(
        fc.array(hostileLine, { maxLength: 8 }),
        settingsArb,
        itemsArb,
        (lines, settings, items) => {
          const bill = {
            ...toBill({ currency: 'USD', lines: [], settings, items }),
            lineItems: lines,
          } as unknown as Bill;
          const parsed = IntegrationSettingsSchema.parse({
            name: 'fuzz',
            destination: 'QuickBooks',
            ...settings,
          });
          const result = buildQuickBooksDocument(inputFor(bill, { settings: parsed, items }));
          assert.ok(['document', 'skip', 'invalid'].includes(result.kind));
          if (result.kind === 'document') {
            assert.ok(
              result.payload.Line.every((l) => Number.isFinite(l.Amount) && Math.abs(l.Amount) < 1e10),
            );
            assert.ok(!containsNull(result.payload));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
