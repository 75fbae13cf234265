import type { Account } from '../m3ter';

/**
 * The account filter language of spec §6 (m3ter's syntax). CONTRACT — implemented in this folder:
 *   parseAccountFilter(source) never throws; evaluateAccountFilter never throws.
 */
export interface FilterSyntaxError {
  /** 0-based character offset in the source where the problem was found. */
  position: number;
  /** What the parser expected there, e.g. `an operator (==, !=, <, <=, >, >=)`. */
  expected: string;
  /** A full sentence for humans, naming the position and what was found. */
  message: string;
}

export type FilterExpression = { readonly kind: string };

export type ParseResult = { ok: true; expression: FilterExpression } | { ok: false; error: FilterSyntaxError };

export function parseAccountFilter(_source: string): ParseResult {
  throw new Error('not implemented');
}

export function evaluateAccountFilter(_expression: FilterExpression, _account: Account): boolean {
  throw new Error('not implemented');
}
