/** Currencies a sandbox company can use, with names as QBO prints them and default rates against USD. */
export const CURRENCY_NAMES: Readonly<Record<string, string>> = {
  USD: 'United States Dollar',
  EUR: 'Euro',
  GBP: 'British Pound Sterling',
  CAD: 'Canadian Dollar',
  AUD: 'Australian Dollar',
  NZD: 'New Zealand Dollar',
  JPY: 'Japanese Yen',
  CHF: 'Swiss Franc',
  SEK: 'Swedish Krona',
  NOK: 'Norwegian Krone',
  DKK: 'Danish Krone',
  INR: 'Indian Rupee',
  SGD: 'Singapore Dollar',
  HKD: 'Hong Kong Dollar',
  MXN: 'Mexican Peso',
  BRL: 'Brazilian Real',
  ZAR: 'South African Rand',
};

/** USD per unit of each currency; rates between two non-USD currencies are derived through USD. */
const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  CAD: 0.73,
  AUD: 0.66,
  NZD: 0.61,
  JPY: 0.0067,
  CHF: 1.13,
  SEK: 0.095,
  NOK: 0.093,
  DKK: 0.145,
  INR: 0.012,
  SGD: 0.74,
  HKD: 0.128,
  MXN: 0.058,
  BRL: 0.2,
  ZAR: 0.055,
};

export function isKnownCurrency(code: string): boolean {
  return code in CURRENCY_NAMES;
}

export function currencyRef(code: string): { value: string; name: string } {
  return { value: code, name: CURRENCY_NAMES[code] ?? code };
}

/** Home-currency units per one unit of `currency` (QBO's ExchangeRate), rounded to 6 decimals. */
export function defaultExchangeRate(currency: string, home: string): number {
  const c = USD_PER_UNIT[currency];
  const h = USD_PER_UNIT[home];
  if (c === undefined || h === undefined) return 1;
  return Math.round((c / h) * 1e6) / 1e6;
}
