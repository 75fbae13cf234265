/**
 * Exact money arithmetic. Amounts arrive as JSON numbers (binary doubles); each is read as the shortest
 * decimal that round-trips to it (what JSON printed: 1.005 is 1.005, not 1.00499999…), then handled as an
 * integer coefficient with bigint. Minor-unit results are plain safe integers so they survive JSON and
 * Temporal payloads. Rounding is half away from zero.
 */

/** value = coefficient × 10^-scale, scale ≥ 0. */
export interface Decimal {
  readonly coefficient: bigint;
  readonly scale: number;
}

const ZERO_DECIMAL_CURRENCIES = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const THREE_DECIMAL_CURRENCIES = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);
const FOUR_DECIMAL_CURRENCIES = new Set(['CLF', 'UYW']);

/** ISO 4217 exponent of a currency: digits after the decimal point. Unknown codes get 2. */
export function minorUnits(currency: string): number {
  const code = currency.trim().toUpperCase();
  if (ZERO_DECIMAL_CURRENCIES.has(code)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(code)) return 3;
  if (FOUR_DECIMAL_CURRENCIES.has(code)) return 4;
  return 2;
}

export function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

const SHORTEST_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** The exact decimal a finite number prints as. Throws RangeError for NaN and infinities. */
export function decimalOf(value: number): Decimal {
  const match = Number.isFinite(value) ? SHORTEST_DECIMAL.exec(String(value)) : null;
  if (!match) throw new RangeError(`not a finite number: ${value}`);
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] = match;
  const magnitude = BigInt(whole + fraction);
  const scale = fraction.length - Number(exponent);
  const coefficient = sign === '-' ? -magnitude : magnitude;
  return scale >= 0 ? { coefficient, scale } : { coefficient: coefficient * pow10(-scale), scale: 0 };
}

/** Integer division rounding half away from zero; `divisor` > 0. */
export function divideRounded(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  const absRemainder = remainder < 0n ? -remainder : remainder;
  if (2n * absRemainder < divisor) return quotient;
  return dividend < 0n ? quotient - 1n : quotient + 1n;
}

/** The coefficient of `value` at `scale` decimals, rounded half away from zero. */
export function roundDecimal(value: Decimal, scale: number): bigint {
  if (value.scale <= scale) return value.coefficient * pow10(scale - value.scale);
  return divideRounded(value.coefficient, pow10(value.scale - scale));
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { coefficient: a.coefficient * b.coefficient, scale: a.scale + b.scale };
}

/** Plain decimal digits, no exponent: 1e21 → "1000000000000000000000", 1.5e-7 → "0.00000015". */
export function decimalToString(value: Decimal): string {
  const negative = value.coefficient < 0n;
  const digits = (negative ? -value.coefficient : value.coefficient)
    .toString()
    .padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function safeNumber(value: bigint, what: string): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) throw new RangeError(`${what} is out of range: ${value}`);
  return result;
}

/** Amount → integer minor units of the currency (1.005 USD → 101). Throws RangeError beyond ±2^53 minor units. */
export function toMinor(amount: number, currency: string): number {
  return safeNumber(roundDecimal(decimalOf(amount), minorUnits(currency)), `${amount} ${currency}`);
}

/** Minor units → the JSON number with the currency's decimals (1234 USD → 12.34, 1234 KWD → 1.234). */
export function fromMinor(minor: number, currency: string): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`minor units must be a safe integer: ${minor}`);
  const value = minor / 10 ** minorUnits(currency);
  return value === 0 ? 0 : value;
}

/** Minor units as text with exactly the currency's decimals (1230 USD → "12.30"). */
export function formatMinor(minor: number, currency: string): string {
  return decimalToString({ coefficient: BigInt(minor), scale: minorUnits(currency) });
}

/** The exact sum of amounts (as the decimals they print as). */
export function exactSum(amounts: readonly number[]): Decimal {
  const decimals = amounts.map(decimalOf);
  const scale = Math.max(0, ...decimals.map((d) => d.scale));
  const coefficient = decimals.reduce((sum, d) => sum + d.coefficient * pow10(scale - d.scale), 0n);
  return { coefficient, scale };
}

/** The exact sum of amounts, rounded once to the currency's minor unit. */
export function roundedSum(amounts: readonly number[], currency: string): number {
  return safeNumber(roundDecimal(exactSum(amounts), minorUnits(currency)), 'sum');
}

/**
 * Splits an integer total across non-negative weights in proportion (largest remainder; ties go to the
 * earlier weight). All weights zero → equal split. The parts always add up to the total.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total)) throw new RangeError(`total must be a safe integer: ${total}`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0))
    throw new RangeError('weights must be finite and >= 0');
  if (weights.length === 0) {
    if (total === 0) return [];
    throw new RangeError('cannot allocate a non-zero total to no weights');
  }
  const decimals = weights.map(decimalOf);
  const scale = Math.max(...decimals.map((d) => d.scale));
  let scaled = decimals.map((d) => d.coefficient * pow10(scale - d.scale));
  let sum = scaled.reduce((a, b) => a + b, 0n);
  if (sum === 0n) {
    scaled = scaled.map(() => 1n);
    sum = BigInt(scaled.length);
  }
  const magnitude = BigInt(Math.abs(total));
  const shares = scaled.map((w) => (magnitude * w) / sum);
  const remainders = scaled.map((w) => (magnitude * w) % sum);
  let leftover = magnitude - shares.reduce((a, b) => a + b, 0n);
  for (const index of orderBy(remainders, 'descending')) {
    if (leftover === 0n) break;
    shares[index]! += 1n;
    leftover -= 1n;
  }
  return shares.map((share) => (total < 0 ? -Number(share) : Number(share)));
}

/**
 * Rounds each amount to minor units so that the parts add up to `totalMinor` (default: the exact sum
 * rounded once). Each amount is first rounded on its own; a remaining difference of at most one unit per
 * amount moves those amounts whose own rounding lost the most (largest remainder, ties to the earlier one).
 * A larger difference (the parts and the total disagree) is allocated in proportion to the amounts.
 */
export function roundPreservingTotal(
  amounts: readonly number[],
  currency: string,
  totalMinor?: number,
): number[] {
  const exponent = minorUnits(currency);
  const decimals = amounts.map(decimalOf);
  const scale = Math.max(exponent, ...decimals.map((d) => d.scale));
  const unit = pow10(scale - exponent);
  const raw = decimals.map((d) => d.coefficient * pow10(scale - d.scale));
  const rounded = decimals.map((d) => roundDecimal(d, exponent));
  const target = totalMinor ?? roundedSum(amounts, currency);
  const difference = BigInt(target) - rounded.reduce((a, b) => a + b, 0n);
  if (difference === 0n) return rounded.map((r) => safeNumber(r, 'amount'));
  const count = BigInt(amounts.length);
  if (difference <= count && difference >= -count) {
    // Rounding error of each amount, in units of 10^-scale: positive = rounded down.
    const lost = raw.map((r, i) => r - rounded[i]! * unit);
    const order = orderBy(lost, difference > 0n ? 'descending' : 'ascending');
    const step = difference > 0n ? 1n : -1n;
    for (const index of order.slice(0, Number(difference > 0n ? difference : -difference)))
      rounded[index]! += step;
    return rounded.map((r) => safeNumber(r, 'amount'));
  }
  const spread = allocate(
    Number(difference),
    amounts.map((a) => Math.abs(a)),
  );
  return rounded.map((r, i) => safeNumber(r + BigInt(spread[i]!), 'amount'));
}

/** Indices sorted by value (stable: equal values keep index order). */
function orderBy(values: readonly bigint[], direction: 'ascending' | 'descending'): number[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => (a.value === b.value ? a.index - b.index : a.value < b.value ? -sign : sign))
    .map(({ index }) => index);
}
