import { Context } from '@temporalio/activity';
import { createRealmCaches, findKnownCustomer, resolveCustomer } from '../bill-sync/customer-resolution';
import type { DisabledNotifier } from '../bill-sync/disabled-notifier';
import { buildDocumentForRun } from '../bill-sync/document-build';
import { upsertBillDocument } from '../bill-sync/document-upsert';
import { checkEligibility } from '../bill-sync/eligibility';
import { recordSyncFailure } from '../bill-sync/failure-recording';
import { finishRun, sentStatus, startRun } from '../bill-sync/run-lifecycle';
import { readyContext, runContext } from '../bill-sync/sync-context';
import type { Db } from '../db/pool';
import { passRunId } from '../domain/ids';
import { SyncFailureError } from '../domain/sync-failure';
import type { M3terClient } from '../m3ter/client';
import type { Logger } from '../platform/logger';
import { metrics } from '../platform/metrics';
import type { DocumentWriter } from '../quickbooks/batch-writer';
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
  /** How creates and updates go out (default: one request each). */
  documentWriter?: DocumentWriter;
  /** How long a step waits after QuickBooks answered 429 (default 15 s). */
  throttleWaitMs?: number;
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

    checkEligibility: syncStep(deps, async ({ runId }) =>
      checkEligibility(deps, await runContext(db, runId)),
    ),

    resolveCustomer: heartbeating(
      syncStep(deps, async ({ runId }) => {
        const ctx = await readyContext(db, runId);
        return quickBooks.withClient(ctx.integration.credentialId, (client) =>
          resolveCustomer({ db, client, caches }, ctx),
        );
      }),
    ),

    buildDocument: syncStep(deps, async ({ runId, customer: resolved }) => {
      const ctx = await readyContext(db, runId);
      const customer = resolved ?? (await findKnownCustomer({ db, caches }, ctx));
      if (!customer) return { kind: 'needs-customer' };
      const built = await buildDocumentForRun(deps, { ...ctx, runId }, customer);
      if (built.kind === 'skip') return built;
      const { document, payloadHash, lineCount, total } = built;
      return {
        kind: 'built',
        documentType: document.type,
        payloadHash,
        lineCount,
        total,
        customerName: ctx.account.name,
        operation: ctx.link?.externalId ? 'update' : 'create',
      };
    }),

    upsertDocument: heartbeating(
      syncStep(deps, async ({ runId }) => {
        const { run, integration, document, link } = await readyContext(db, runId);
        const { payloadHash } = run;
        if (!document || !payloadHash)
          throw new SyncFailureError({ code: 'INTERNAL', message: `run ${runId} has no built document` });
        const result = await quickBooks.withClient(integration.credentialId, (client) =>
          upsertBillDocument(
            db,
            client,
            {
              integrationId: integration.id,
              billId: run.billId,
              document,
              payloadHash,
              link,
              runStartedAt: run.startedAt,
              documentUrl: (type, id) => documentUrl(deps.endpoints, integration.destination, type, id),
            },
            deps.documentWriter,
          ),
        );
        const sent = { ...result, warnings: [...run.warnings, ...result.warnings] };
        // The run records what QuickBooks now holds in the same step (a retry finds it and records it again).
        const end = sentStatus(sent);
        await finishRun(db, { runId, ...end, result: sent });
        metrics.runsFinished.inc({ status: end.status });
        return { ...sent, status: end.status };
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
