import { accountInScope, type AccountScopeSettings } from '../domain/account-scope';
import { accountFromBill, type Account } from '../domain/m3ter';
import type { M3terClient } from '../m3ter/client';
import type { ReferenceCache } from '../settings/reference-cache';

/** A bill as the m3ter bill list shows it (no line items): enough to ask for its sync. */
export interface ListedBill {
  id: string;
  accountId: string;
  version: number;
}

export interface BillListPage {
  bills: ListedBill[];
  /** m3ter's cursor of the next page; absent on the last. */
  nextToken?: string;
}

/**
 * One page of the bills m3ter has dated in [from, to) (YYYY-MM-DD), optionally of one account: headers only
 * (`excludeLineItems`), 100 a call (m3ter's most), so listing thousands costs a few calls. A bill m3ter lists without an account cannot
 * be synced and is left out.
 */
export async function listBillPage(
  m3ter: M3terClient,
  range: { from: string; to: string; accountId?: string; nextToken?: string; pageSize?: number },
): Promise<BillListPage> {
  const page = await m3ter.listBills({
    billDateStart: range.from,
    billDateEnd: range.to,
    accountId: range.accountId,
    excludeLineItems: true,
    pageSize: range.pageSize ?? 100,
    nextToken: range.nextToken,
  });
  const bills = page.data.flatMap((b) =>
    b.accountId ? [{ id: b.id, accountId: b.accountId, version: b.version ?? 1 }] : [],
  );
  return page.nextToken ? { bills, nextToken: page.nextToken } : { bills };
}

/**
 * The listed bills whose account the integration runs for (the webhook fan-out's rule). Without an account
 * filter the allow and deny lists decide alone; with one, the accounts are read once (100 per m3ter call)
 * through the reference cache, where the syncs find them again.
 */
export async function splitByScope(
  reference: ReferenceCache,
  integration: AccountScopeSettings,
  bills: readonly ListedBill[],
): Promise<{ inScope: ListedBill[]; outOfScope: ListedBill[] }> {
  const accounts = new Map<string, Account>();
  if (integration.accountFilter?.trim()) {
    const ids = [...new Set(bills.map((b) => b.accountId))];
    await reference.ensure(ids.map((id) => ({ kind: 'Account' as const, id })));
    for (const id of ids) {
      const account = await reference.account(id);
      if (account) accounts.set(id, account);
    }
  }
  const inScope: ListedBill[] = [];
  const outOfScope: ListedBill[] = [];
  for (const bill of bills) {
    const account =
      accounts.get(bill.accountId) ?? accountFromBill({ accountId: bill.accountId, accountCode: null });
    (accountInScope(integration, account).inScope ? inScope : outOfScope).push(bill);
  }
  return { inScope, outOfScope };
}
