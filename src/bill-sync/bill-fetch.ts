import { storeFetchedBill, type StoredBill } from '../db/repositories/bills.repository';
import type { Queryable } from '../db/repositories/common';
import { ValidationError } from '../domain/errors';
import { BillSchema, type Account } from '../domain/m3ter';
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

/** The bill a run syncs and its account (null: not known to us; what the bill says of it stands in). */
export type CurrentBill =
  { found: true; stored: StoredBill; account: Account | null } | { found: false; reason: string };

/**
 * Read the current bill: from m3ter's API, with its line items, stored as the newest version (m3ter is the
 * source of truth, so it replaces whatever was stored) and recorded on the run, with its account fetched when
 * not known or stale. In webhook mode the bill stored on receipt is the one there is.
 */
export async function fetchCurrentBill(deps: BillFetchDeps, ctx: RunContext): Promise<CurrentBill> {
  const { db, m3ter } = deps;
  const billId = ctx.run.billId;
  if (!m3ter) {
    if (!ctx.bill) return { found: false, reason: `bill ${billId} has not been received` };
    return { found: true, stored: ctx.bill, account: ctx.account };
  }
  let raw: unknown;
  try {
    raw = await m3ter.getBill(billId);
  } catch (err) {
    if (err instanceof M3terApiError && err.status === 404)
      return { found: false, reason: `bill ${billId} no longer exists in m3ter` };
    throw err;
  }
  const stored = await storeFetchedBill(db, ctx.run.id, parseBill(raw));
  const known = ctx.account && ctx.accountState ? { account: ctx.account, state: ctx.accountState } : null;
  return { found: true, stored, account: await deps.reference.account(stored.bill.accountId, known) };
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
