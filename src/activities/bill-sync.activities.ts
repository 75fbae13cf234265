import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Db } from '../db/pool';
import { inTransaction } from '../db/pool';
import { getBill } from '../db/repositories/bills.repository';
import { findCredential } from '../db/repositories/credentials';
import {
  findIntegration,
  disableIntegration,
  incrementConsecutiveFailures,
  resetConsecutiveFailures,
} from '../db/repositories/integrations';
import {
  createDisablement,
  disablementCausedByRun,
  recordIntegrationEvent,
} from '../db/repositories/integration-events.repository';
import {
  createRun,
  getRun,
  getRunForUpdate,
  getRunPayload,
  listRuns,
  updateRun,
  type IntegrationRun,
} from '../db/repositories/runs.repository';
import { accountOfBill, decideEligibility } from '../bill-sync/eligibility';
import { NotFoundError } from '../domain/errors';
import type { Integration } from '../domain/integration-settings';
import type { Bill } from '../domain/m3ter';
import { FAILURE_RUN_STATUSES } from '../domain/run-status';
import { classifyFailure, exhaustedStatus } from '../domain/sync-failure';
import type { Logger } from '../platform/logger';
import type { QuickBooksConnector } from '../quickbooks/connector';
import { documentUrl, type QuickBooksEndpoints } from '../quickbooks/endpoints';
import type {
  BillSyncActivities,
  BuildInput,
  BuildSummary,
  Eligibility,
  FinishRunInput,
  NotifyDisabledInput,
  RecordFailureInput,
  RecordFailureResult,
  ResolvedCustomer,
  RunRef,
  StartRunInput,
  UpsertResult,
} from './bill-sync.contract';
import { buildDocumentForRun } from './document-build';
import { upsertBillDocument } from './document-upsert';
import { describeFailure, toApplicationFailure } from './failure-edge';
import { findKnownCustomer, resolveQuickBooksCustomer } from './customer-resolution';
import type { DisabledNotifier } from './disabled-notifier';
import { SyncFailureError } from './sync-failure-error';

const HEARTBEAT_EVERY_MS = 5_000;

export interface BillSyncDeps {
  db: Db;
  quickBooks: QuickBooksConnector;
  endpoints: Pick<QuickBooksEndpoints, 'appBaseUrl'>;
  notifier: DisabledNotifier;
  logger: Logger;
}

/** The bill-sync activities, each one I/O job with a small typed input and result. */
export function createBillSyncActivities(deps: BillSyncDeps): BillSyncActivities {
  const { db } = deps;
  const caches = createRealmCaches();

  /** Runs an activity body; a failure is recorded on the run as "waiting" when it will be retried. */
  const guarded =
    <I extends { runId?: string }, O>(fn: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      try {
        return await fn(input);
      } catch (err) {
        const failure = describeFailure(err);
        const cls = classifyFailure(failure);
        if (cls.retryable && input.runId) {
          await updateRun(db, input.runId, {
            status: cls.runStatus,
            message: failure.message,
            error: failure,
          }).catch(() => undefined);
          deps.logger.warn(
            { runId: input.runId, code: failure.code, quickBooks: failure.quickBooks },
            failure.message,
          );
        }
        // The activity's retry policy, as the workflow set it (intervals in ms).
        const maximumInterval = Context.current().info.retryPolicy?.maximumInterval;
        throw toApplicationFailure(err, {
          maxRetryDelayMs: typeof maximumInterval === 'number' ? maximumInterval : undefined,
        });
      }
    };

  /** A QuickBooks step: heartbeats while it runs, so a worker that dies mid-call is noticed quickly. */
  const heartbeating =
    <I, O>(fn: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const context = Context.current();
      const timeoutMs = context.info.heartbeatTimeoutMs;
      if (!timeoutMs || context.info.isLocal) return fn(input);
      const timer = setInterval(() => context.heartbeat(), Math.min(HEARTBEAT_EVERY_MS, timeoutMs / 3));
      try {
        return await fn(input);
      } finally {
        clearInterval(timer);
      }
    };

  async function load(runId: string): Promise<{ run: IntegrationRun; integration: Integration; bill: Bill }> {
    const run = await getRun(db, runId);
    if (!run) throw new NotFoundError('Run', runId);
    const integration = await findIntegration(db, run.integrationId);
    if (!integration)
      throw new SyncFailureError({
        code: 'INVALID_DOCUMENT',
        message: `integration ${run.integrationId} no longer exists`,
      });
    const stored = await getBill(db, run.billId);
    if (!stored)
      throw new SyncFailureError({ code: 'INVALID_DOCUMENT', message: `bill ${run.billId} is not stored` });
    return { run, integration, bill: stored.bill };
  }

  return {
    startRun: async (input: StartRunInput): Promise<RunRef> => {
      const info = Context.current().info;
      // Stable across retries of this activity: the same pass always gets the same run.
      const key = uuidFrom(`${info.workflowExecution?.runId ?? input.workflowRunId}/${info.activityId}`);
      const run = await createRun(db, { ...input, idempotencyKey: key, status: 'STARTED' });
      return { runId: run.id };
    },

    checkEligibility: guarded(async ({ runId }: RunRef): Promise<Eligibility> => {
      const run = await getRun(db, runId);
      if (!run) throw new NotFoundError('Run', runId);
      const integration = await findIntegration(db, run.integrationId);
      if (!integration) return { proceed: false, status: 'SKIPPED', reason: 'the integration was deleted' };
      const stored = await getBill(db, run.billId);
      if (!stored)
        return { proceed: false, status: 'SKIPPED', reason: `bill ${run.billId} has not been received` };
      const { bill } = stored;
      await updateRun(db, runId, {
        accountId: bill.accountId,
        billVersion: stored.version,
        contentHash: stored.contentHash,
      });
      const decision = decideEligibility(integration, bill, await accountOfBill(db, bill));
      if (!decision.send)
        return {
          proceed: false,
          status: decision.status,
          reason: decision.reason,
          accountId: bill.accountId,
        };
      return { proceed: true, accountId: bill.accountId, billVersion: stored.version };
    }),

    findKnownCustomer: guarded(async ({ runId }: RunRef): Promise<ResolvedCustomer | null> => {
      const { integration, bill } = await load(runId);
      const credential = integration.credentialId
        ? await findCredential(db, integration.credentialId)
        : undefined;
      if (!credential?.realmId) return null;
      const account = await accountOfBill(db, bill);
      const known = await findKnownCustomer({
        db,
        realmId: credential.realmId,
        integration,
        account,
        caches,
      });
      return known ?? null;
    }),

    resolveCustomer: heartbeating(
      guarded(async ({ runId }: RunRef): Promise<ResolvedCustomer> => {
        const { integration, bill } = await load(runId);
        const account = await accountOfBill(db, bill);
        return deps.quickBooks.withClient(integration.credentialId, (client) =>
          resolveQuickBooksCustomer({ db, client, integration, account, bill, caches }),
        );
      }),
    ),

    buildDocument: guarded(async ({ runId, customerId, currency }: BuildInput): Promise<BuildSummary> => {
      const { integration, bill } = await load(runId);
      const account = await accountOfBill(db, bill);
      const built = await buildDocumentForRun(db, { integration, bill, account, customerId, currency });
      if (built.kind === 'skip') return { proceed: false, status: 'SKIPPED', reason: built.reason };
      await updateRun(db, runId, {
        documentType: built.type,
        payload: built.payload,
        payloadHash: built.payloadHash,
        warnings: built.warnings,
      });
      return {
        proceed: true,
        documentType: built.type,
        payloadHash: built.payloadHash,
        lineCount: built.lineCount,
        total: built.total,
      };
    }),

    upsertDocument: heartbeating(
      guarded(async ({ runId }: RunRef): Promise<UpsertResult> => {
        const { run, integration } = await load(runId);
        const payload = await getRunPayload(db, runId);
        if (!payload || !run.documentType || !run.payloadHash)
          throw new Error(`run ${runId} has no built document`);
        const customerId = (payload.CustomerRef as { value: string }).value;
        const result = await deps.quickBooks.withClient(integration.credentialId, (client) =>
          upsertBillDocument(db, client, {
            integrationId: integration.id,
            billId: run.billId,
            customerId,
            documentType: run.documentType!,
            payload,
            payloadHash: run.payloadHash!,
            runStartedAt: run.startedAt,
            documentUrl: (type, id) => documentUrl(deps.endpoints, integration.destination, type, id),
          }),
        );
        return { ...result, warnings: [...run.warnings, ...result.warnings] };
      }),
    ),

    finishRun: async ({ runId, status, message, result }: FinishRunInput): Promise<void> => {
      const run = await getRun(db, runId);
      if (!run) throw new NotFoundError('Run', runId);
      await updateRun(db, runId, {
        status,
        message: message ?? null,
        error: null,
        completed: true,
        ...(result
          ? {
              externalId: result.externalId,
              externalType: result.externalType,
              url: result.url,
              warnings: result.warnings,
            }
          : {}),
      });
      if (status === 'COMPLETE') await resetConsecutiveFailures(db, run.integrationId);
    },

    recordFailure: async ({
      runId,
      failure,
      exhausted,
    }: RecordFailureInput): Promise<RecordFailureResult> => {
      return inTransaction(db, async (client) => {
        const run = await getRunForUpdate(client, runId);
        if (!run) throw new NotFoundError('Run', runId);
        const { runStatus, event } = exhausted
          ? exhaustedStatus(failure)
          : (() => {
              const c = classifyFailure(failure);
              return { runStatus: c.runStatus, event: c.event ?? 'integration.perform.error' };
            })();
        if (run.countedAsFailure || run.completedAt) {
          // A retried activity: already recorded. If this failure disabled the integration, say so again, or a
          // result lost after the commit would leave the disablement without e-mails (the notifier sends each once).
          const disablementId = await disablementCausedByRun(client, runId);
          return disablementId ? { status: run.status, disablementId } : { status: run.status };
        }
        const counts = FAILURE_RUN_STATUSES.includes(runStatus);
        // Count first: that locks the integration row before the event's foreign key share-locks it, so
        // concurrent failures queue here instead of deadlocking against the disable below (FOR UPDATE).
        const failures = counts ? await incrementConsecutiveFailures(client, run.integrationId) : 0;
        await updateRun(client, runId, {
          status: runStatus,
          message: failure.message,
          error: failure,
          completed: true,
          countedAsFailure: counts,
        });
        await recordIntegrationEvent(client, {
          integrationId: run.integrationId,
          eventType: event,
          message: eventMessage(run, failure.message, event),
          runId,
          billId: run.billId,
          details: { code: failure.code, quickBooks: failure.quickBooks ?? null },
        });
        if (!counts) return { status: runStatus };
        const integration = await findIntegration(client, run.integrationId);
        if (
          !integration ||
          !integration.enabled ||
          failures < integration.autoDisableAfterConsecutiveFailures
        )
          return { status: runStatus };
        const reason = `${failures} ${failures === 1 ? 'sync' : 'syncs'} failed in a row; the last: ${failure.message}`;
        const { changed } = await disableIntegration(client, run.integrationId, { reason });
        if (!changed) return { status: runStatus };
        const lastErrors = (
          await listRuns(client, {
            integrationId: run.integrationId,
            statuses: [...FAILURE_RUN_STATUSES],
            limit: failures,
          })
        ).map((r) => ({
          runId: r.id,
          billId: r.billId,
          status: r.status,
          message: r.message,
          at: r.completedAt,
        }));
        const disablementId = await createDisablement(client, {
          integrationId: run.integrationId,
          reason,
          lastErrors,
        });
        await recordIntegrationEvent(client, {
          integrationId: run.integrationId,
          eventType: 'integration.disabled.error',
          message: `Integration "${integration.name}" was disabled automatically: ${reason}. Fix the cause, enable it again and replay the failed runs.`,
          runId, // the failure that disabled it
          billId: run.billId,
          details: { disablementId, consecutiveFailures: failures },
        });
        return { status: runStatus, disablementId };
      });
    },

    notifyIntegrationDisabled: async ({
      integrationId,
      disablementId,
    }: NotifyDisabledInput): Promise<void> => {
      await deps.notifier.notify(integrationId, disablementId);
    },
  };
}

function eventMessage(run: IntegrationRun, message: string, event: string): string {
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

/** A UUID (v4 layout) derived from a string, for idempotent inserts. */
function uuidFrom(value: string): string {
  const h = createHash('sha256').update(value).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface RealmCaches {
  preferences: Map<
    string,
    { value: { multiCurrencyEnabled: boolean; homeCurrency: string }; expires: number }
  >;
  customerCurrency: Map<string, { value: string | null; expires: number }>;
}

export function createRealmCaches(): RealmCaches {
  return { preferences: new Map(), customerCurrency: new Map() };
}
