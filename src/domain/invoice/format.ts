import { decimalOf, decimalToString } from '../money';
import type { BillLineItem } from '../m3ter';

/** A quantity for people: en-US digit grouping, every decimal kept (1234.5 → "1,234.5"). */
export function formatQuantity(value: number): string {
  const text = decimalToString(decimalOf(value));
  const [whole = '', fraction] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/**
 * The usage range of a pricing band, from its lower limit and the next band's: m3ter bands start *above*
 * their lower limit, so with whole-unit limits 1000 and 10000 the band covers 1,001–10,000. The last band
 * is open ("10,001+"). A single band starting at 0 covers everything and gets no range.
 */
export function bandRange(lower: number | null | undefined, upper: number | null | undefined): string | null {
  if (lower === null || lower === undefined || !Number.isFinite(lower)) return null;
  const hasUpper = upper !== null && upper !== undefined && Number.isFinite(upper) && upper > lower;
  if (!hasUpper && lower === 0) return null;
  const whole = Number.isInteger(lower) && (!hasUpper || Number.isInteger(upper));
  const start = whole ? lower + 1 : lower;
  if (!hasUpper) return `${formatQuantity(start)}+`;
  if (whole && start === upper) return formatQuantity(upper);
  return `${formatQuantity(start)}–${formatQuantity(upper)}`;
}

/** The YYYY-MM-DD part of a date or date-time, or null. */
export function dateOnly(value: string | null | undefined): string | null {
  const match = value ? /^\d{4}-\d{2}-\d{2}/.exec(value) : null;
  return match ? match[0] : null;
}

/** The calendar day before a YYYY-MM-DD date. */
export function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** How warnings and errors name a bill line: "line 3 (API calls)". */
export function lineLabel(index: number, line: Pick<BillLineItem, 'description'>): string {
  return line.description ? `line ${index + 1} (${line.description})` : `line ${index + 1}`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A non-empty string, else null (m3ter sends "" and null alike for "none"). */
export function present(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

const EMAIL = /^[^\s@",;<>()[\]]+@[^\s@",;<>()[\]]+\.[^\s@",;<>()[\]]+$/;

export function isEmail(value: string, maxLength: number): boolean {
  return value.length <= maxLength && EMAIL.test(value);
}
