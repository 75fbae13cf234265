import type { Db } from '../db/pool';
import { findM3terObject } from '../db/repositories/m3ter-objects';
import { accountInScope } from '../domain/account-scope';
import type { Integration } from '../domain/integration-settings';
import { AccountSchema, type Account, type Bill } from '../domain/m3ter';

/** The bill's account from our reference data; when not (yet) known, what the bill says of it. */
export async function accountOfBill(db: Db, bill: Bill): Promise<Account> {
  const stored = await findM3terObject(db, 'Account', bill.accountId);
  const parsed = stored ? AccountSchema.safeParse(stored.data) : undefined;
  if (parsed?.success) return parsed.data;
  return { id: bill.accountId, code: bill.accountCode ?? null, name: bill.accountCode ?? bill.accountId };
}

export type EligibilityDecision =
  { send: true } | { send: false; status: 'SKIPPED' | 'DISABLED'; reason: string };

/** Whether this integration sends this bill now: enabled, account in scope, approved when it must be. */
export function decideEligibility(
  integration: Integration,
  bill: Bill,
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
