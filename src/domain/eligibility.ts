import { accountInScope } from './account-scope';
import type { Integration } from './integration-settings';
import type { Account, Bill } from './m3ter';

export type EligibilityDecision =
  { send: true } | { send: false; status: 'SKIPPED' | 'DISABLED'; reason: string };

/** Whether this integration sends this bill now: enabled, account in scope, approved when it must be. */
export function decideEligibility(
  integration: Pick<
    Integration,
    | 'enabled'
    | 'disabledReason'
    | 'accountIds'
    | 'restrictedAccountIds'
    | 'accountFilter'
    | 'onlySendBillOnApproval'
  >,
  bill: Pick<Bill, 'status'>,
  account: Account,
): EligibilityDecision {
  if (!integration.enabled) {
    return {
      send: false,
      status: 'DISABLED',
      reason: `the integration is disabled${integration.disabledReason ? `: ${integration.disabledReason}` : ''}`,
    };
  }
  const scope = accountInScope(integration, account);
  if (!scope.inScope)
    return { send: false, status: 'SKIPPED', reason: scope.reason ?? 'the account is out of scope' };
  if (integration.onlySendBillOnApproval && bill.status !== 'APPROVED') {
    return { send: false, status: 'SKIPPED', reason: 'awaiting approval: the bill is PENDING' };
  }
  return { send: true };
}
