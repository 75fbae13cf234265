import type { Db } from '../db/pool';
import { getBill } from '../db/repositories/bills.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration } from '../db/repositories/integrations';
import {
  deleteWaitingRun,
  getRun,
  insertRequestedRun,
  listRuns,
  type IntegrationRun,
} from '../db/repositories/runs.repository';
import { billSyncWorkflowId } from '../domain/ids';
import { NotFoundError } from '../domain/errors';
import { FAILURE_RUN_STATUSES, type RunStatus } from '../domain/run-status';
import type { M3terClient } from '../m3ter/client';
import { accountOfBillInM3ter } from './bill-fetch';
import type { SyncRequester, SyncTrigger } from './sync-requester';

export interface SyncRequestDeps {
  db: Db;
  syncs: SyncRequester;
  /** m3ter's API: a bill not stored yet can be sent now too (its workflow reads it there). */
  m3ter?: M3terClient;
}

/** A run asked for over the API: it exists (WAITING) from the answer on, and its workflow takes it over. */
export interface RequestedSync {
  runId: string;
  workflowId: string;
}

/** Send now: a manual sync of one stored bill by one integration (the workflow applies scope and approval). */
export async function syncBillNow(
  deps: SyncRequestDeps,
  integrationId: string,
  billId: string,
): Promise<RequestedSync> {
  const integration = isUuid(integrationId) ? await findIntegration(deps.db, integrationId) : null;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const accountId = await accountOfBill(deps, billId);
  if (accountId === null) throw new NotFoundError('Bill', billId);
  return requestRun(deps, { integrationId, billId, accountId, trigger: 'manual' });
}

/** The bill's account: as stored, else as m3ter has it (a header read); null when neither knows the bill. */
async function accountOfBill(deps: SyncRequestDeps, billId: string): Promise<string | null> {
  const stored = await getBill(deps.db, billId);
  if (stored) return stored.bill.accountId;
  return deps.m3ter ? accountOfBillInM3ter(deps.m3ter, billId) : null;
}

export interface ReplayResult extends RequestedSync {
  replayedFromRunId: string;
  billId: string;
}

/**
 * Replays one run: a new run of the same bill with `replayedFromRunId`, reading the current bill, settings
 * and mappings. It updates the bill's document if one exists; it never creates a second one.
 */
export async function replayRun(deps: SyncRequestDeps, runId: string): Promise<ReplayResult> {
  const run = isUuid(runId) ? await getRun(deps.db, runId) : undefined;
  if (!run) throw new NotFoundError('Run', runId);
  return replay(deps, run);
}

/** Statuses a bulk replay picks by default: the failures, and what arrived while the integration was disabled. */
export const DEFAULT_REPLAY_STATUSES: RunStatus[] = [...FAILURE_RUN_STATUSES, 'DISABLED'];

/**
 * Replays many runs of an integration: of each bill, its latest run, when that run's status is one of
 * `statuses` and it started in the window. A bill whose latest run succeeded is left alone.
 */
export async function replayRuns(
  deps: SyncRequestDeps,
  integrationId: string,
  filter: { statuses?: RunStatus[]; from?: string; to?: string; limit?: number },
  options: { dryRun?: boolean } = {},
): Promise<{ matched: number; replayed: ReplayResult[] }> {
  const integration = isUuid(integrationId) ? await findIntegration(deps.db, integrationId) : null;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const statuses = filter.statuses?.length ? filter.statuses : DEFAULT_REPLAY_STATUSES;
  // Instants, not strings: a bound may be written with any offset.
  const from = filter.from === undefined ? -Infinity : Date.parse(filter.from);
  const to = filter.to === undefined ? Infinity : Date.parse(filter.to);
  const latest = await latestRunPerBill(deps.db, integrationId);
  const picked = latest
    .filter((r) => statuses.includes(r.status))
    .filter((r) => Date.parse(r.startedAt) >= from && Date.parse(r.startedAt) < to)
    .slice(0, filter.limit ?? 1000);
  const results: ReplayResult[] = [];
  if (options.dryRun) return { matched: picked.length, replayed: results };
  for (const run of picked) results.push(await replay(deps, run));
  return { matched: picked.length, replayed: results };
}

async function replay(deps: SyncRequestDeps, run: IntegrationRun): Promise<ReplayResult> {
  const stored = await getBill(deps.db, run.billId);
  const requested = await requestRun(deps, {
    integrationId: run.integrationId,
    billId: run.billId,
    accountId: stored?.bill.accountId ?? run.accountId ?? '',
    trigger: 'replay',
    replayedFromRunId: run.id,
  });
  return { ...requested, replayedFromRunId: run.id, billId: run.billId };
}

/** Creates the WAITING run, then asks for the workflow (which takes the run over in its next pass). */
async function requestRun(
  deps: SyncRequestDeps,
  request: {
    integrationId: string;
    billId: string;
    accountId: string;
    trigger: SyncTrigger;
    replayedFromRunId?: string;
  },
): Promise<RequestedSync> {
  const workflowId = billSyncWorkflowId(request.integrationId, request.billId);
  const run = await insertRequestedRun(deps.db, {
    ...request,
    accountId: request.accountId || null,
    workflowId,
  });
  try {
    await deps.syncs.requestBillSync({ ...request, runId: run.id });
  } catch (err) {
    await deleteWaitingRun(deps.db, run.id).catch(() => undefined);
    throw err;
  }
  return { runId: run.id, workflowId };
}

async function latestRunPerBill(db: Db, integrationId: string): Promise<IntegrationRun[]> {
  const runs: IntegrationRun[] = [];
  const seen = new Set<string>();
  for (let offset = 0; ; offset += 1000) {
    const page = await listRuns(db, { integrationId, limit: 1000, offset });
    for (const run of page) {
      if (seen.has(run.billId)) continue;
      seen.add(run.billId);
      runs.push(run);
    }
    if (page.length < 1000) return runs;
  }
}
