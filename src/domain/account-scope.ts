import { evaluateAccountFilter, parseAccountFilter, type ParseResult } from './account-filter';
import type { IntegrationSettings } from './integration-settings';
import type { Account } from './m3ter';

export type AccountScopeSettings = Pick<
  IntegrationSettings,
  'accountIds' | 'restrictedAccountIds' | 'accountFilter'
>;

export interface AccountScopeResult {
  inScope: boolean;
  /** Why the account is out of scope; absent when it is in scope. */
  reason?: string;
}

/**
 * Whether an integration runs for an account (spec §3.1): the deny-list wins over the allow-list
 * (empty allow-list = every account), ANDed with the account filter. A blank filter means no filter.
 * `parsedFilter` lets a caller reuse the parse of `settings.accountFilter`. Never throws.
 */
export function accountInScope(
  settings: AccountScopeSettings,
  account: Account,
  parsedFilter?: ParseResult,
): AccountScopeResult {
  if (settings.restrictedAccountIds.includes(account.id)) {
    return { inScope: false, reason: `account ${account.id} is on the restricted account list` };
  }
  if (settings.accountIds.length > 0 && !settings.accountIds.includes(account.id)) {
    return { inScope: false, reason: `account ${account.id} is not on the account allow-list` };
  }
  const source = settings.accountFilter;
  if (source === null || source.trim() === '') return { inScope: true };
  const parsed = parsedFilter ?? parseAccountFilter(source);
  if (!parsed.ok) {
    return { inScope: false, reason: `the account filter does not parse: ${parsed.error.message}` };
  }
  if (!evaluateAccountFilter(parsed.expression, account)) {
    return {
      inScope: false,
      reason: `the account filter ${JSON.stringify(source.trim())} is false for account ${account.id}`,
    };
  }
  return { inScope: true };
}
