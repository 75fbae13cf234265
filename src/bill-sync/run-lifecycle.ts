import type { Queryable } from '../db/repositories/common';
import { claimRequestedRuns, createRun, finishRunRecord } from '../db/repositories/runs.repository';
import type { RunStatus } from '../domain/run-status';
import type { UpsertResult } from './document-upsert';
import type { SyncTrigger } from './sync-requester';

export interface StartRunInput {
  integrationId: string;
  billId: string;
  workflowId: string;
  workflowRunId: string;
  trigger: SyncTrigger;
  replayedFromRunId?: string;
  /** The bill's account as the request named it ('' when it did not). */
  accountId?: string;
  /** Runs created as WAITING by requests this pass answers: the first becomes the pass's run. */
  requestedRunIds?: string[];
}

/**
 * Record the run of one workflow pass. `idempotencyKey` is stable across retries of the step, so a retried
 * start gets the same run back; a pass that answers requested runs takes the first of them over.
 */
export async function startRun(
  db: Queryable,
  input: StartRunInput,
  idempotencyKey: string,
): Promise<{ runId: string }> {
  const requested = await claimRequestedRuns(db, input.requestedRunIds ?? [], input.workflowRunId);
  if (requested) return { runId: requested.id };
  const run = await createRun(db, { ...input, idempotencyKey, status: 'STARTED' });
  return { runId: run.id };
}

export interface FinishRunInput {
  runId: string;
  status: RunStatus;
  message?: string;
  result?: UpsertResult;
}

/** Record how the run ended (a COMPLETE run ends the integration's streak of failures). */
export async function finishRun(db: Queryable, input: FinishRunInput): Promise<void> {
  const { result } = input;
  await finishRunRecord(db, input.runId, {
    status: input.status,
    message: input.message ?? null,
    document: result && {
      externalId: result.externalId,
      externalType: result.externalType,
      url: result.url,
      warnings: result.warnings,
      batch: result.batch,
    },
  });
}

/** How a run whose document went out ends: COMPLETE, or SKIPPED when QuickBooks already had this content. */
export function sentStatus(result: UpsertResult): Pick<FinishRunInput, 'status' | 'message'> {
  return result.outcome === 'unchanged'
    ? { status: 'SKIPPED', message: 'unchanged since the last sync' }
    : { status: 'COMPLETE' };
}
