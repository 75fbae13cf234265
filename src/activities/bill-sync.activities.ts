import { Context } from '@temporalio/activity';
import { fetchCurrentBill } from '../bill-sync/bill-fetch';
import { createRealmCaches, findKnownCustomer, resolveCustomer } from '../bill-sync/customer-resolution';
import type { DisabledNotifier } from '../bill-sync/disabled-notifier';
import { buildDocumentForRun } from '../bill-sync/document-build';
import { upsertBillDocument } from '../bill-sync/document-upsert';
import { checkEligibility } from '../bill-sync/eligibility';
import { recordSyncFailure } from '../bill-sync/failure-recording';
import { finishRun, startRun } from '../bill-sync/run-lifecycle';
import { readyContext, runContext } from '../bill-sync/sync-context';
import type { Db } from '../db/pool';
import { passRunId } from '../domain/ids';
import { SyncFailureError } from '../domain/sync-failure';
import type { M3terClient } from '../m3ter/client';
import type { Logger } from '../platform/logger';
import { metrics } from '../platform/metrics';
import type { QuickBooksConnector } from '../quickbooks/connector';
import type { ReferenceCache } from '../settings/reference-cache';
import { documentUrl, type QuickBooksEndpoints } from '../quickbooks/endpoints';
import type { BillSyncActivities } from './bill-sync.contract';
import { heartbeating, syncStep } from './failure-edge';

export interface BillSyncDeps {
  db: Db;
  /** m3ter's API, where bills are read; absent: the deployment runs from webhook bodies. */
  m3ter?: M3terClient;
  /** m3ter reference data on demand. */
  reference: ReferenceCache;
  quickBooks: QuickBooksConnector;
  endpoints: Pick<QuickBooksEndpoints, 'appBaseUrl'>;
  notifier: DisabledNotifier;
  logger: Logger;
}

/**
 * The bill-sync activities: each loads its run's context once, calls one use case of src/bill-sync and
 * translates failures (failure-edge.ts). The QuickBooks steps heartbeat.
 */
export function createBillSyncActivities(deps: BillSyncDeps): BillSyncActivities {
  const { db, quickBooks } = deps;
  const caches = createRealmCaches();
  return {
    startRun: (input) =>
      startRun(db, input, passRunId(input.workflowRunId, Context.current().info.activityId)),

    fetchBill: syncStep(deps, async ({ runId }) => fetchCurrentBill(deps, await runContext(db, runId))),

    checkEligibility: syncStep(deps, async ({ runId }) => checkEligibility(db, await runContext(db, runId))),

    findKnownCustomer: syncStep(deps, async ({ runId }) =>
      findKnownCustomer({ db, caches }, await readyContext(db, runId)),
    ),

    resolveCustomer: heartbeating(
      syncStep(deps, async ({ runId }) => {
        const ctx = await readyContext(db, runId);
        return quickBooks.withClient(ctx.integration.credentialId, (client) =>
          resolveCustomer({ db, client, caches }, ctx),
        );
      }),
    ),

    buildDocument: syncStep(deps, async ({ runId, customer }) => {
      const ctx = await readyContext(db, runId);
      const built = await buildDocumentForRun(deps, { ...ctx, runId }, customer);
      if (built.kind === 'skip') return { proceed: false, status: 'SKIPPED', reason: built.reason };
      const { document, payloadHash, lineCount, total } = built;
      return { proceed: true, documentType: document.type, payloadHash, lineCount, total };
    }),

    upsertDocument: heartbeating(
      syncStep(deps, async ({ runId }) => {
        const { run, integration, document } = await readyContext(db, runId);
        const { payloadHash } = run;
        if (!document || !payloadHash)
          throw new SyncFailureError({ code: 'INTERNAL', message: `run ${runId} has no built document` });
        const result = await quickBooks.withClient(integration.credentialId, (client) =>
          upsertBillDocument(db, client, {
            integrationId: integration.id,
            billId: run.billId,
            document,
            payloadHash,
            runStartedAt: run.startedAt,
            documentUrl: (type, id) => documentUrl(deps.endpoints, integration.destination, type, id),
          }),
        );
        return { ...result, warnings: [...run.warnings, ...result.warnings] };
      }),
    ),

    finishRun: async (input) => {
      await finishRun(db, input);
      metrics.runsFinished.inc({ status: input.status });
    },
    recordFailure: async (input) => {
      const recorded = await recordSyncFailure(db, input);
      metrics.runsFinished.inc({ status: recorded.status });
      return recorded;
    },
    notifyIntegrationDisabled: ({ integrationId, disablementId }) =>
      deps.notifier.notify(integrationId, disablementId),
  };
}
