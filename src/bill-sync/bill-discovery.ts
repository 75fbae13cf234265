import type { M3terClient } from '../m3ter/client';

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
 * (`excludeLineItems`), so listing thousands costs a few calls. A bill m3ter lists without an account cannot
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
    pageSize: range.pageSize ?? 200,
    nextToken: range.nextToken,
  });
  const bills = page.data.flatMap((b) =>
    b.accountId ? [{ id: b.id, accountId: b.accountId, version: b.version ?? 1 }] : [],
  );
  return page.nextToken ? { bills, nextToken: page.nextToken } : { bills };
}
