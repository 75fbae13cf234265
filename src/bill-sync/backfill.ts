import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool';
import {
  getBackfill,
  insertBackfill,
  listBackfills,
  updateBackfill,
  type Backfill,
  type BackfillProgress,
} from '../db/repositories/backfills.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration } from '../db/repositories/integrations';
import { DomainError, ERROR_CODES, NotFoundError, ValidationError } from '../domain/errors';
import { backfillWorkflowId } from '../domain/ids';
import type { M3terClient } from '../m3ter/client';
import type { ReferenceCache } from '../settings/reference-cache';
import { listBillPage, splitByScope, type BillListPage, type ListedBill } from './bill-discovery';
import type { SyncRequester, SyncTrigger } from './sync-requester';

/**
 * Backfill: every bill m3ter has dated in a range (optionally of some accounts) that the integration runs
 * for, synced under its usual business key — so a second backfill creates nothing twice (unchanged bills end
 * SKIPPED) — a window at a time, by a durable workflow (src/workflows/backfill.workflow.ts).
 */

export interface BackfillRequest {
  /** First bill date (YYYY-MM-DD), inclusive. */
  from: string;
  /** Last bill date (YYYY-MM-DD), exclusive. */
  to: string;
  accountIds?: string[];
  /** Bills in flight at once (default 50). */
  concurrency?: number;
}

/** The workflow's input: which backfill, and where its listing stands (for continue-as-new). */
export interface BackfillInput {
  backfillId: string;
  integrationId: string;
  from: string;
  to: string;
  /** Listed one after the other; empty: every account's bills at once. */
  accountIds: string[];
  /** Bills synced at once. */
  window: number;
  cursor?: BackfillCursor;
  progress?: BackfillProgress;
}

export interface BackfillCursor {
  accountIndex: number;
  nextToken?: string;
}

/** Starts backfill workflows (implemented on Temporal). */
export interface BackfillStarter {
  startBackfill(input: BackfillInput): Promise<void>;
}

export const DEFAULT_BACKFILL_CONCURRENCY = 50;

export async function requestBackfill(
  deps: { db: Db; backfills: BackfillStarter; m3ter?: M3terClient },
  integrationId: string,
  request: BackfillRequest,
): Promise<Backfill> {
  const integration = isUuid(integrationId) ? await findIntegration(deps.db, integrationId) : null;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  if (!deps.m3ter)
    throw new DomainError(
      ERROR_CODES.INVALID_STATE,
      'A backfill lists bills in m3ter: it needs m3ter API credentials (M3TER_BILL_SOURCE=webhook has none)',
    );
  if (request.from >= request.to) throw ValidationError.field('to', `must be after from (${request.from})`);
  const id = randomUUID();
  // An integration that runs for some accounts only lists theirs (fewer m3ter calls).
  const accountIds = [...new Set(request.accountIds?.length ? request.accountIds : integration.accountIds)];
  const backfill = await insertBackfill(deps.db, {
    id,
    integrationId,
    from: request.from,
    to: request.to,
    accountIds,
    workflowId: backfillWorkflowId(id),
  });
  await deps.backfills.startBackfill({
    backfillId: id,
    integrationId,
    from: request.from,
    to: request.to,
    accountIds,
    window: request.concurrency ?? DEFAULT_BACKFILL_CONCURRENCY,
  });
  return backfill;
}

export async function backfillById(db: Db, id: string): Promise<Backfill> {
  const found = isUuid(id) ? await getBackfill(db, id) : undefined;
  if (!found) throw new NotFoundError('Backfill', id);
  return found;
}

export async function backfillsOf(db: Db, integrationId: string): Promise<Backfill[]> {
  if (!isUuid(integrationId) || !(await findIntegration(db, integrationId)))
    throw new NotFoundError('Integration', integrationId);
  return listBackfills(db, integrationId);
}

/** One page of the backfill's bills: of all accounts, or of its accounts one after the other. */
export async function backfillPage(
  m3ter: M3terClient,
  input: Pick<BackfillInput, 'from' | 'to' | 'accountIds' | 'cursor'>,
): Promise<BillListPage & { cursor?: BackfillCursor }> {
  const accountIndex = input.cursor?.accountIndex ?? 0;
  const page = await listBillPage(m3ter, {
    from: input.from,
    to: input.to,
    accountId: input.accountIds[accountIndex],
    nextToken: input.cursor?.nextToken,
  });
  if (page.nextToken) return { bills: page.bills, cursor: { accountIndex, nextToken: page.nextToken } };
  const nextAccount = accountIndex + 1;
  return nextAccount < input.accountIds.length
    ? { bills: page.bills, cursor: { accountIndex: nextAccount } }
    : { bills: page.bills };
}

/**
 * Asks for the sync of each listed bill the integration runs for (signal-with-start of its usual workflow);
 * returns those asked for and how many were out of scope.
 */
export async function requestSyncsInScope(
  deps: { db: Db; reference: ReferenceCache; syncs: SyncRequester },
  integrationId: string,
  bills: readonly ListedBill[],
  trigger: SyncTrigger,
): Promise<{ requested: ListedBill[]; outOfScope: number }> {
  const integration = await findIntegration(deps.db, integrationId);
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const { inScope, outOfScope } = await splitByScope(deps.reference, integration, bills);
  for (const bill of inScope)
    await deps.syncs.requestBillSync({ integrationId, billId: bill.id, accountId: bill.accountId, trigger });
  return { requested: inScope, outOfScope: outOfScope.length };
}

/** Waits until each bill's workflow closed; counts them as complete, skipped (unchanged, not approved…) or failed. */
export async function awaitSyncs(
  syncs: SyncRequester,
  integrationId: string,
  bills: readonly ListedBill[],
): Promise<Pick<BackfillProgress, 'complete' | 'skipped' | 'failed'>> {
  const finished = await Promise.all(bills.map((bill) => syncs.waitForSync(integrationId, bill.id)));
  const counts = { complete: 0, skipped: 0, failed: 0 };
  for (const sync of finished) {
    if (sync?.status === 'COMPLETE') counts.complete += 1;
    else if (sync?.status === 'SKIPPED') counts.skipped += 1;
    else counts.failed += 1;
  }
  return counts;
}

export async function recordBackfill(
  db: Db,
  backfillId: string,
  progress: BackfillProgress,
  end?: { status: 'COMPLETE' | 'FAILED'; error?: string },
): Promise<void> {
  await updateBackfill(db, backfillId, { progress, status: end?.status, error: end?.error ?? null });
}
