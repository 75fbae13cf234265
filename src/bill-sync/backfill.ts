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
import { listBillPage, type BillListPage, type ListedBill } from './bill-discovery';
import type { SyncRequester } from './sync-requester';

/**
 * Backfill (issue "m3ter as the source of truth" §6): every bill m3ter has dated in a range, optionally of
 * some accounts, synced under its usual business key (so a second backfill creates nothing twice: unchanged
 * bills are SKIPPED), a window at a time, by a durable workflow (src/workflows/backfill.workflow.ts).
 */

export interface BackfillRequest {
  /** First bill date (YYYY-MM-DD), inclusive. */
  from: string;
  /** Last bill date (YYYY-MM-DD), exclusive. */
  to: string;
  accountIds?: string[];
}

/** The workflow's input: which backfill, and where its listing stands (for continue-as-new). */
export interface BackfillInput {
  backfillId: string;
  integrationId: string;
  from: string;
  to: string;
  accountIds: string[];
  /** Bills synced at once. */
  window: number;
  cursor?: { accountIndex: number; nextToken?: string };
  progress?: BackfillProgress;
}

/** Starts backfill workflows (implemented on Temporal). */
export interface BackfillStarter {
  startBackfill(input: BackfillInput): Promise<void>;
}

export const DEFAULT_BACKFILL_WINDOW = 20;

export async function requestBackfill(
  deps: { db: Db; backfills: BackfillStarter; m3ter?: M3terClient; window?: number },
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
  const workflowId = backfillWorkflowId(id);
  const accountIds = [...new Set(request.accountIds ?? [])];
  const backfill = await insertBackfill(deps.db, {
    id,
    integrationId,
    from: request.from,
    to: request.to,
    accountIds,
    workflowId,
  });
  await deps.backfills.startBackfill({
    backfillId: id,
    integrationId,
    from: request.from,
    to: request.to,
    accountIds,
    window: deps.window ?? DEFAULT_BACKFILL_WINDOW,
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
): Promise<BillListPage & { cursor?: BackfillInput['cursor'] }> {
  const accountIndex = input.cursor?.accountIndex ?? 0;
  const accountId = input.accountIds.length ? input.accountIds[accountIndex] : undefined;
  const page = await listBillPage(m3ter, {
    from: input.from,
    to: input.to,
    accountId,
    nextToken: input.cursor?.nextToken,
  });
  if (page.nextToken) return { ...page, cursor: { accountIndex, nextToken: page.nextToken } };
  const nextAccount = accountIndex + 1;
  return input.accountIds.length > nextAccount ? { ...page, cursor: { accountIndex: nextAccount } } : page;
}

/** Asks for each bill's sync (signal-with-start of its usual workflow). */
export async function requestSyncs(
  syncs: SyncRequester,
  integrationId: string,
  bills: readonly ListedBill[],
): Promise<number> {
  for (const bill of bills)
    await syncs.requestBillSync({
      integrationId,
      billId: bill.id,
      accountId: bill.accountId,
      trigger: 'manual',
    });
  return bills.length;
}

/** Waits until each bill's workflow closed; counts them as complete, skipped (unchanged, out of scope) or failed. */
export async function awaitSyncs(
  syncs: SyncRequester,
  integrationId: string,
  bills: readonly ListedBill[],
  heartbeat: () => void,
): Promise<Pick<BackfillProgress, 'complete' | 'skipped' | 'failed'>> {
  const counts = { complete: 0, skipped: 0, failed: 0 };
  for (const bill of bills) {
    const finished = await syncs.waitForSync(integrationId, bill.id);
    heartbeat();
    if (finished?.status === 'COMPLETE') counts.complete += 1;
    else if (finished?.status === 'SKIPPED') counts.skipped += 1;
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
