import {
  decimalOf,
  decimalToString,
  divideRounded,
  minorUnits,
  multiplyDecimals,
  pow10,
  roundDecimal,
  type Decimal,
} from '../money';
import { QBO_LIMITS } from './qbo-document';

export interface QuantityAndPrice {
  /** Never negative; the sign of the line lives in UnitPrice. */
  qty: number;
  unitPrice: number;
}

/**
 * Qty and UnitPrice for a line whose Amount is `amountMinor`, only when Qty × UnitPrice equals the Amount
 * both at the currency's precision and to the cent (QBO rejects anything else with error 6070). Tries each
 * quantity with each given unit price, then the shortest price that reproduces the amount (amount ÷ qty).
 * Null when nothing fits (or the quantity is zero): the caller then puts the quantity into the description.
 */
export function quantityAndPrice(
  amountMinor: number,
  currency: string,
  quantities: ReadonlyArray<number | null | undefined>,
  unitPrices: ReadonlyArray<number | null | undefined>,
): QuantityAndPrice | null {
  const exponent = minorUnits(currency);
  const amount: Decimal = { coefficient: BigInt(Math.abs(amountMinor)), scale: exponent };
  const sign = amountMinor < 0 ? -1 : 1;
  const prices = unitPrices.filter(isSendable).map((p) => decimalOf(Math.abs(p)));
  for (const quantity of quantities) {
    if (!isSendable(quantity)) continue;
    const qty = decimalOf(Math.abs(quantity));
    if (qty.coefficient === 0n) continue; // a zero quantity says nothing; the Amount alone does
    const price = prices.find((p) => reproduces(qty, p, amount)) ?? derivedPrice(qty, amount);
    if (price) return { qty: toNumber(qty, 1), unitPrice: toNumber(price, sign) };
  }
  return null;
}

function isSendable(value: number | null | undefined): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    decimalOf(value).scale <= QBO_LIMITS.qtyPriceDecimals
  );
}

/** The shortest price (fewest decimals) with qty × price = amount, if any within the allowed decimals. */
function derivedPrice(qty: Decimal, amount: Decimal): Decimal | null {
  for (let scale = 0; scale <= QBO_LIMITS.qtyPriceDecimals; scale += 1) {
    // price = amount / qty at `scale` decimals = amount.c × 10^(scale + qty.scale) / (qty.c × 10^amount.scale)
    const coefficient = divideRounded(
      amount.coefficient * pow10(scale + qty.scale),
      qty.coefficient * pow10(amount.scale),
    );
    const price = { coefficient, scale };
    if (reproduces(qty, price, amount)) return price;
  }
  return null;
}

function reproduces(qty: Decimal, price: Decimal, amount: Decimal): boolean {
  const product = multiplyDecimals(qty, price);
  const precise = Math.max(amount.scale, 2);
  const cents = (value: Decimal) => roundDecimal(value, 2);
  return roundDecimal(product, precise) === roundDecimal(amount, precise) && cents(product) === cents(amount);
}

function toNumber(value: Decimal, sign: 1 | -1): number {
  const magnitude = Number(decimalToString(value));
  return sign < 0 && magnitude !== 0 ? -magnitude : magnitude;
}
