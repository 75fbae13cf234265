import { storeBill } from '../db/repositories/bills.repository';
import type { Queryable } from '../db/repositories/common';
import { ValidationError } from '../domain/errors';
import { BillSchema } from '../domain/m3ter';
import { SyncFailureError } from '../domain/sync-failure';
import { parseOrThrow } from '../domain/validation';
import { M3terApiError } from '../m3ter/errors';
import type { M3terClient } from '../m3ter/client';
import type { ReferenceCache } from '../settings/reference-cache';
import type { RunContext } from './sync-context';

/**
 * Where a sync reads its bill: m3ter's API (the source of truth), or — in a deployment without m3ter API
 * credentials that chose to run from webhook bodies — the body stored on receipt (`m3ter` absent).
 */
export interface BillFetchDeps {
  db: Queryable;
  m3ter?: M3terClient;
  reference: ReferenceCache;
}

export type FetchedBill =
  { found: true; accountId: string; version: number } | { found: false; reason: string };

/**
 * Read the current bill: from m3ter's API, with its line items, stored as the newest version (m3ter is the
 * source of truth, so it replaces whatever was stored), and its account fetched when not known or stale. In
 * webhook mode the bill stored on receipt is the one there is.
 */
export async function fetchCurrentBill(deps: BillFetchDeps, ctx: RunContext): Promise<FetchedBill> {
  const { db, m3ter } = deps;
  const billId = ctx.run.billId;
  if (!m3ter) {
    if (!ctx.bill) return { found: false, reason: `bill ${billId} has not been received` };
    return { found: true, accountId: ctx.bill.bill.accountId, version: ctx.bill.version };
  }
  let raw: unknown;
  try {
    raw = await m3ter.getBill(billId);
  } catch (err) {
    if (err instanceof M3terApiError && err.status === 404)
      return { found: false, reason: `bill ${billId} no longer exists in m3ter` };
    throw err;
  }
  const bill = parseBill(raw);
  await storeBill(db, bill, { replace: true });
  await deps.reference.account(bill.accountId);
  return { found: true, accountId: bill.accountId, version: bill.version };
}

/** m3ter's bill as this service syncs it; what it cannot be synced without is a validation failure naming it. */
function parseBill(raw: unknown) {
  try {
    return parseOrThrow(BillSchema, raw, 'bill');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new SyncFailureError({
      code: 'INVALID_DOCUMENT',
      message: `m3ter's bill cannot be synced: ${err.issues.map((i) => `${i.field} ${i.message}`).join('; ')}`,
    });
  }
}

/** The account of a bill as m3ter has it (one header read, no line items); null when m3ter has no such bill. */
export async function accountOfBillInM3ter(m3ter: M3terClient, billId: string): Promise<string | null> {
  const { data } = await m3ter.listBills({ ids: [billId], excludeLineItems: true, pageSize: 1 });
  return data[0]?.accountId ?? null;
}
