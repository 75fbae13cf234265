import type { Client } from '@temporalio/client';
import type { Db } from '../db/pool';
import { getBill } from '../db/repositories/bills.repository';
import { findIntegration } from '../db/repositories/integrations';
import { getRun, listRuns, type IntegrationRun } from '../db/repositories/runs.repository';
import { NotFoundError } from '../domain/errors';
import { FAILURE_RUN_STATUSES, type RunStatus } from '../domain/run-status';
import { requestBillSync, type StartedSync } from '../temporal/bill-sync-starter';

export interface SyncRequestDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** Send now: a manual sync of one stored bill by one integration (ignores the account scope check here; the workflow applies it). */
export async function syncBillNow(
  deps: SyncRequestDeps,
  integrationId: string,
  billId: string,
): Promise<StartedSync> {
  const integration = await findIntegration(deps.db, integrationId);
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const stored = await getBill(deps.db, billId);
  if (!stored) throw new NotFoundError('Bill', billId);
  return requestBillSync(deps.temporal, deps.taskQueue, {
    integrationId,
    billId,
    accountId: stored.bill.accountId,
    trigger: 'manual',
  });
}

export interface ReplayResult {
  replayedFromRunId: string;
  billId: string;
  workflowId: string;
}

/**
 * Replays one run: a new run of the same bill with `replayedFromRunId`, reading the current bill, settings
 * and mappings. It updates the bill's document if one exists; it never creates a second one.
 */
export async function replayRun(deps: SyncRequestDeps, runId: string): Promise<ReplayResult> {
  const run = await getRun(deps.db, runId);
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
): Promise<ReplayResult[]> {
  const integration = await findIntegration(deps.db, integrationId);
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
  for (const run of picked) results.push(await replay(deps, run));
  return results;
}

async function replay(deps: SyncRequestDeps, run: IntegrationRun): Promise<ReplayResult> {
  const stored = await getBill(deps.db, run.billId);
  const { workflowId } = await requestBillSync(deps.temporal, deps.taskQueue, {
    integrationId: run.integrationId,
    billId: run.billId,
    accountId: stored?.bill.accountId ?? run.accountId ?? '',
    trigger: 'replay',
    replayedFromRunId: run.id,
  });
  return { replayedFromRunId: run.id, billId: run.billId, workflowId };
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
