/**
 * Exact money arithmetic. A JSON number is read as the decimal it was written as (`0.1` is 1/10, not the
 * binary float), products are exact, and rounding to cents is half away from zero ("half-up" for the
 * positive amounts QBO deals with).
 */
interface Decimal {
  units: bigint;
  /** value = units / 10^scale */
  scale: number;
}

function toDecimal(n: number): Decimal {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const text = String(n);
  const [mantissa = '0', exponentText] = text.toLowerCase().split('e');
  const negative = mantissa.startsWith('-');
  const digits = negative ? mantissa.slice(1) : mantissa;
  const [intPart = '0', fracPart = ''] = digits.split('.');
  let units = BigInt(`${intPart}${fracPart}` || '0');
  let scale = fracPart.length - Number(exponentText ?? 0);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: negative ? -units : units, scale };
}

function roundToScale(d: Decimal, scale: number): bigint {
  if (d.scale <= scale) return d.units * 10n ** BigInt(scale - d.scale);
  const divisor = 10n ** BigInt(d.scale - scale);
  const magnitude = d.units < 0n ? -d.units : d.units;
  let q = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) q += 1n;
  return d.units < 0n ? -q : q;
}

/** `n` rounded to whole cents. */
export function toCents(n: number): bigint {
  return roundToScale(toDecimal(n), 2);
}

/** `a × b` rounded to whole cents (the exact product is rounded once). */
export function productCents(a: number, b: number): bigint {
  const x = toDecimal(a);
  const y = toDecimal(b);
  return roundToScale({ units: x.units * y.units, scale: x.scale + y.scale }, 2);
}

/** `cents × rate` rounded to whole cents (home-currency conversion). */
export function convertCents(cents: bigint, rate: number): bigint {
  const r = toDecimal(rate);
  return roundToScale({ units: cents * r.units, scale: r.scale + 2 }, 2);
}

export function centsToNumber(cents: bigint): number {
  return Number(cents) / 100;
}

/** `n` rounded to cents, as a number. */
export function roundMoney(n: number): number {
  return centsToNumber(toCents(n));
}

/** `share` percent of `cents` (DiscountPercent 8.5 means 8.5 %), rounded to cents. */
export function percentOfCents(cents: bigint, percent: number): bigint {
  const p = toDecimal(percent);
  return roundToScale({ units: cents * p.units, scale: p.scale + 4 }, 2);
}
