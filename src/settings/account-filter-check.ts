import { evaluateAccountFilter, parseAccountFilter, type FilterSyntaxError } from '../domain/account-filter';
import type { Queryable } from '../db/repositories/common';
import { ACCOUNTS, requireReferenceObject } from './reference-data';

/** The console's filter editor: is this account filter valid, and (given an account) does it match? */
export interface AccountFilterCheck {
  valid: boolean;
  /** Where the first problem is (0-based), what was expected there, and a sentence for humans. */
  error: FilterSyntaxError | null;
  /** With an account id and a valid filter: whether that account is in scope. */
  matches: boolean | null;
}

export async function checkAccountFilter(
  db: Queryable,
  expression: string,
  accountId?: string,
): Promise<AccountFilterCheck> {
  const parsed = parseAccountFilter(expression);
  if (!parsed.ok) return { valid: false, error: parsed.error, matches: null };
  if (accountId === undefined) return { valid: true, error: null, matches: null };
  const account = await requireReferenceObject(db, ACCOUNTS, accountId);
  return { valid: true, error: null, matches: evaluateAccountFilter(parsed.expression, account) };
}
