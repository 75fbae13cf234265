import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  allocate,
  decimalOf,
  decimalToString,
  formatMinor,
  fromMinor,
  minorUnits,
  roundPreservingTotal,
  roundedSum,
  toMinor,
} from '../../src/domain/money';

const CURRENCIES = ['USD', 'GBP', 'EUR', 'JPY', 'KRW', 'KWD', 'BHD', 'CLF'];

/** A decimal amount known exactly: `units` × 10^-scale, plus the number that JSON would carry. */
const exactAmount = fc
  .tuple(fc.bigInt({ min: -(10n ** 10n), max: 10n ** 10n }), fc.integer({ min: 0, max: 6 }))
  .map(([units, scale]) => ({ units, scale, value: Number(`${units}e-${scale}`) }));

/** Round half away from zero of units × 10^-scale to `exponent` decimals, computed independently. */
function oracleMinor(units: bigint, scale: number, exponent: number): bigint {
  if (scale <= exponent) return units * 10n ** BigInt(exponent - scale);
  const divisor = 10n ** BigInt(scale - exponent);
  const magnitude = units < 0n ? -units : units;
  const rounded = (magnitude * 2n + divisor) / (2n * divisor);
  return units < 0n ? -rounded : rounded;
}

describe('money', () => {
  it('knows ISO 4217 exponents', () => {
    assert.equal(minorUnits('USD'), 2);
    assert.equal(minorUnits('gbp'), 2);
    assert.equal(minorUnits('XYZ'), 2);
    for (const code of ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'XOF']) assert.equal(minorUnits(code), 0, code);
    for (const code of ['BHD', 'KWD', 'OMR', 'JOD', 'TND', 'IQD', 'LYD'])
      assert.equal(minorUnits(code), 3, code);
    assert.equal(minorUnits('CLF'), 4);
  });

  it('rounds to minor units half away from zero, robust to binary artefacts', () => {
    assert.equal(toMinor(1.005, 'USD'), 101);
    assert.equal(toMinor(-1.005, 'USD'), -101);
    assert.equal(toMinor(2.675, 'USD'), 268);
    assert.equal(toMinor(1.0049999, 'USD'), 100);
    assert.equal(toMinor(0.1 + 0.2, 'USD'), 30);
    assert.equal(toMinor(2.5, 'JPY'), 3);
    assert.equal(toMinor(-2.5, 'JPY'), -3);
    assert.equal(toMinor(1234.4999, 'JPY'), 1234);
    assert.equal(toMinor(1.0005, 'KWD'), 1001);
    assert.equal(toMinor(0.0004, 'BHD'), 0);
    assert.equal(toMinor(1e-7, 'USD'), 0);
  });

  it('refuses what it cannot represent exactly', () => {
    assert.throws(() => toMinor(Number.NaN, 'USD'), RangeError);
    assert.throws(() => toMinor(Number.POSITIVE_INFINITY, 'USD'), RangeError);
    assert.throws(() => toMinor(1e14, 'USD'), RangeError);
    assert.throws(() => toMinor(1e21, 'JPY'), RangeError);
    assert.throws(() => fromMinor(0.5, 'USD'), RangeError);
  });

  it('turns minor units back into JSON numbers with the currency decimals', () => {
    assert.equal(fromMinor(1234, 'USD'), 12.34);
    assert.equal(JSON.stringify(fromMinor(1230, 'USD')), '12.3');
    assert.equal(fromMinor(1234, 'JPY'), 1234);
    assert.equal(fromMinor(1234, 'KWD'), 1.234);
    assert.ok(Object.is(fromMinor(0, 'USD'), 0));
    assert.equal(formatMinor(1230, 'USD'), '12.30');
    assert.equal(formatMinor(-5, 'USD'), '-0.05');
    assert.equal(formatMinor(1234, 'JPY'), '1234');
    assert.equal(formatMinor(1, 'KWD'), '0.001');
  });

  it('reads the shortest decimal of a number exactly', () => {
    assert.deepEqual(decimalOf(1.005), { coefficient: 1005n, scale: 3 });
    assert.deepEqual(decimalOf(-1e21), { coefficient: -(10n ** 21n), scale: 0 });
    assert.deepEqual(decimalOf(1.5e-7), { coefficient: 15n, scale: 8 });
    assert.equal(decimalToString(decimalOf(1.5e-7)), '0.00000015');
    assert.equal(decimalToString(decimalOf(-1234.5)), '-1234.5');
    assert.equal(decimalToString(decimalOf(1e21)), '1000000000000000000000');
  });

  it('sums exactly, then rounds once', () => {
    assert.equal(roundedSum([0.1, 0.2], 'USD'), 30);
    assert.equal(roundedSum([0.004, 0.004, 0.004], 'USD'), 1);
    assert.equal(roundedSum([], 'USD'), 0);
    assert.equal(roundedSum([0.5, 0.4], 'JPY'), 1);
  });

  describe('allocate', () => {
    it('splits by largest remainder, ties to the earlier weight', () => {
      assert.deepEqual(allocate(100, [1, 1, 1]), [34, 33, 33]);
      assert.deepEqual(allocate(-100, [1, 1, 1]), [-34, -33, -33]);
      assert.deepEqual(allocate(10, [0.3, 0.7]), [3, 7]);
      assert.deepEqual(allocate(5, [0, 0]), [3, 2]);
      assert.deepEqual(allocate(1, [1, 2]), [0, 1]);
      assert.deepEqual(allocate(0, []), []);
      assert.throws(() => allocate(1, []), RangeError);
      assert.throws(() => allocate(1, [-1]), RangeError);
    });

    it('always adds up, each part within one unit of its exact share', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: -1e12, max: 1e12 }),
          fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e6, noNaN: true })), {
            minLength: 1,
            maxLength: 20,
          }),
          (total, weights) => {
            const parts = allocate(total, weights);
            assert.equal(
              parts.reduce((a, b) => a + b, 0),
              total,
            );
            const sum = weights.reduce((a, b) => a + b, 0);
            weights.forEach((w, i) => {
              const exact = sum === 0 ? total / weights.length : (total * w) / sum;
              assert.ok(Math.abs(parts[i]! - exact) < 1 + 1e-6 * Math.abs(total), `${parts[i]} vs ${exact}`);
            });
            assert.deepEqual(allocate(total, weights), parts);
          },
        ),
      );
    });
  });

  describe('roundPreservingTotal', () => {
    it('rounds each amount and moves the remainder to the largest losses', () => {
      assert.deepEqual(roundPreservingTotal([0.004, 0.004, 0.004], 'USD'), [1, 0, 0]);
      assert.deepEqual(roundPreservingTotal([0.004, 0.006], 'USD'), [0, 1]);
      assert.deepEqual(roundPreservingTotal([0.006, 0.006], 'USD'), [0, 1]);
      assert.deepEqual(roundPreservingTotal([1.005, -1.005], 'USD'), [101, -101]);
      assert.deepEqual(roundPreservingTotal([10, 20.5, 0.333], 'USD'), [1000, 2050, 33]);
      assert.deepEqual(roundPreservingTotal([0.4, 0.4, 0.4], 'JPY'), [1, 0, 0]);
    });

    it('hits an explicit total, spreading a large difference in proportion', () => {
      assert.deepEqual(roundPreservingTotal([10, 20], 'USD', 3001), [1001, 2000]);
      assert.deepEqual(roundPreservingTotal([10, 30], 'USD', 5000), [1250, 3750]);
      assert.deepEqual(roundPreservingTotal([0, 0], 'USD', 101), [51, 50]);
    });

    it('matches the exact sum rounded once and never moves an amount by more than a unit', () => {
      fc.assert(
        fc.property(
          fc.array(exactAmount, { maxLength: 30 }),
          fc.constantFrom(...CURRENCIES),
          (amounts, currency) => {
            const exponent = minorUnits(currency);
            const parts = roundPreservingTotal(
              amounts.map((a) => a.value),
              currency,
            );
            const scale = 6;
            const exactSum = amounts.reduce((s, a) => s + a.units * 10n ** BigInt(scale - a.scale), 0n);
            assert.equal(BigInt(parts.reduce((a, b) => a + b, 0)), oracleMinor(exactSum, scale, exponent));
            amounts.forEach((a, i) => {
              const own = oracleMinor(a.units, a.scale, exponent);
              const moved = BigInt(parts[i]!) - own;
              assert.ok(moved >= -1n && moved <= 1n, `moved ${moved}`);
              if (
                own * 10n ** BigInt(Math.max(0, a.scale - exponent)) ===
                a.units * 10n ** BigInt(Math.max(0, exponent - a.scale))
              ) {
                assert.equal(moved, 0n, 'an amount that is already exact is never moved');
              }
            });
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  it('toMinor agrees with an independent decimal oracle, and fromMinor inverts it', () => {
    fc.assert(
      fc.property(exactAmount, fc.constantFrom(...CURRENCIES), ({ units, scale, value }, currency) => {
        const exponent = minorUnits(currency);
        const expected = oracleMinor(units, scale, exponent);
        if (expected > BigInt(Number.MAX_SAFE_INTEGER) || -expected > BigInt(Number.MAX_SAFE_INTEGER)) return;
        const minor = toMinor(value, currency);
        assert.equal(BigInt(minor), expected);
        assert.equal(toMinor(fromMinor(minor, currency), currency), minor);
        assert.equal(Number(formatMinor(minor, currency)), fromMinor(minor, currency));
      }),
      { numRuns: 2000 },
    );
  });
});
