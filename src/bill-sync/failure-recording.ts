import { inTransaction, type Db } from '../db/pool';
import type { Queryable } from '../db/repositories/common';
import {
  disableIntegration,
  findIntegration,
  incrementConsecutiveFailures,
} from '../db/repositories/integrations';
import {
  createDisablement,
  disablementCausedByRun,
  recordIntegrationEvent,
} from '../db/repositories/integration-events.repository';
import {
  getRunForUpdate,
  listRuns,
  updateRun,
  type IntegrationRun,
} from '../db/repositories/runs.repository';
import { NotFoundError } from '../domain/errors';
import type { Integration } from '../domain/integration-settings';
import { FAILURE_RUN_STATUSES, type IntegrationEventType, type RunStatus } from '../domain/run-status';
import { classifyFailure, exhaustedStatus, type SyncFailure } from '../domain/sync-failure';

export interface RecordFailureInput {
  runId: string;
  failure: SyncFailure;
  /** True when a retryable failure ran out of attempts. */
  exhausted: boolean;
}

export interface RecordFailureResult {
  status: RunStatus;
  /** Set when this failure disabled the integration: notify once per disablement. */
  disablementId?: string;
}

/**
 * Record a failed run: its final status and the integration event an operator sees; a failure that counts
 * (ERROR, AUTH_FAILED, TIMEOUT_LIMIT_EXCEEDED) extends the integration's streak, and the streak reaching
 * `autoDisableAfterConsecutiveFailures` disables the integration (once) and names the disablement to notify.
 * One transaction; a retried call records nothing twice.
 */
export async function recordSyncFailure(db: Db, input: RecordFailureInput): Promise<RecordFailureResult> {
  return inTransaction(db, async (tx) => {
    const run = await getRunForUpdate(tx, input.runId);
    if (!run) throw new NotFoundError('Run', input.runId);
    if (run.countedAsFailure || run.completedAt) {
      // Already recorded by an earlier attempt. If it disabled the integration, say so again, or a result lost
      // after the commit would leave the disablement without e-mails (the notifier sends each once).
      const disablementId = await disablementCausedByRun(tx, run.id);
      return disablementId ? { status: run.status, disablementId } : { status: run.status };
    }
    const { runStatus, event } = finalStatus(input);
    const counts = FAILURE_RUN_STATUSES.includes(runStatus);
    // Count first: that locks the integration row before the event's foreign key share-locks it, so
    // concurrent failures queue here instead of deadlocking against the disable below (FOR UPDATE).
    const failures = counts ? await incrementConsecutiveFailures(tx, run.integrationId) : 0;
    await updateRun(tx, run.id, {
      status: runStatus,
      message: input.failure.message,
      error: input.failure,
      completed: true,
      countedAsFailure: counts,
    });
    await recordIntegrationEvent(tx, {
      integrationId: run.integrationId,
      eventType: event,
      message: eventMessage(run, input.failure.message, event),
      runId: run.id,
      billId: run.billId,
      details: { code: input.failure.code, quickBooks: input.failure.quickBooks ?? null },
    });
    if (!counts) return { status: runStatus };
    const integration = await findIntegration(tx, run.integrationId);
    if (!integration || !disablementDue(integration, failures)) return { status: runStatus };
    const disablementId = await disable(tx, integration, run, failures, input.failure);
    return disablementId ? { status: runStatus, disablementId } : { status: runStatus };
  });
}

function finalStatus(input: RecordFailureInput): { runStatus: RunStatus; event: IntegrationEventType } {
  if (input.exhausted) return exhaustedStatus(input.failure);
  const c = classifyFailure(input.failure);
  return { runStatus: c.runStatus, event: c.event ?? 'integration.perform.error' };
}

/** The auto-disable rule: an enabled integration whose streak of failed runs reached its threshold. */
export function disablementDue(
  integration: Pick<Integration, 'enabled' | 'autoDisableAfterConsecutiveFailures'>,
  consecutiveFailures: number,
): boolean {
  return integration.enabled && consecutiveFailures >= integration.autoDisableAfterConsecutiveFailures;
}

/** Disables the integration, records the disablement and its event; undefined when it was disabled already. */
async function disable(
  tx: Queryable,
  integration: Integration,
  run: IntegrationRun,
  failures: number,
  failure: SyncFailure,
): Promise<string | undefined> {
  const reason = `${failures} ${failures === 1 ? 'sync' : 'syncs'} failed in a row; the last: ${failure.message}`;
  const { changed } = await disableIntegration(tx, integration.id, { reason });
  if (!changed) return undefined;
  const lastErrors = (
    await listRuns(tx, {
      integrationId: integration.id,
      statuses: [...FAILURE_RUN_STATUSES],
      limit: failures,
    })
  ).map((r) => ({ runId: r.id, billId: r.billId, status: r.status, message: r.message, at: r.completedAt }));
  const disablementId = await createDisablement(tx, { integrationId: integration.id, reason, lastErrors });
  await recordIntegrationEvent(tx, {
    integrationId: integration.id,
    eventType: 'integration.disabled.error',
    message: `Integration "${integration.name}" was disabled automatically: ${reason}. Fix the cause, enable it again and replay the failed runs.`,
    runId: run.id, // the failure that disabled it
    billId: run.billId,
    details: { disablementId, consecutiveFailures: failures },
  });
  return disablementId;
}

function eventMessage(run: IntegrationRun, message: string, event: IntegrationEventType): string {
  const action =
    event === 'integration.missingaccountmapping.error'
      ? ' Create an Account → Customer external mapping, then replay the run.'
      : event === 'integration.authentication.error'
        ? ' Reconnect the QuickBooks credential, then replay the run.'
        : event === 'integration.validation.error'
          ? ' Correct the data or settings named above, then replay the run.'
          : '';
  return `Bill ${run.billId}: ${message}.${action}`;
}
