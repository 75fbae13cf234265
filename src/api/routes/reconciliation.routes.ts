import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import {
  reconciliationById,
  reconciliationsOf,
  requestReconciliation,
  type ReconciliationStarter,
} from '../../bill-sync/reconciliation';
import {
  actOnReconciliationResult,
  actOnReconciliationResults,
} from '../../bill-sync/reconciliation-actions';
import type { SyncRequester } from '../../bill-sync/sync-requester';
import type { Db } from '../../db/pool';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import {
  RECONCILIATION_ACTIONS,
  RECONCILIATION_RESULTS,
  type BillReconciliation,
} from '../../domain/reconciliation';
import { parseOrThrow } from '../../domain/validation';
import type { M3terClient } from '../../m3ter/client';
import type { QuickBooksConnector } from '../../quickbooks/connector';
import { IdParams, Timestamp, routes } from './route-kit';

export interface ReconciliationRouteDeps {
  db: Db;
  m3ter?: M3terClient;
  /** Absent: runs cannot be started here (409), stored ones are still served. */
  reconciliations?: ReconciliationStarter;
  /** For the resync and replay actions (absent: they answer 409). */
  syncs?: SyncRequester;
  /** For the adopt action's read of the document (absent: it answers 409). */
  connector?: QuickBooksConnector;
}

const Day = z.iso.date().describe('YYYY-MM-DD');
const ResultKind = z.enum(RECONCILIATION_RESULTS);

const Amounts = z.object({ expectedMinor: z.number(), heldMinor: z.number() });
const Summary = z
  .object({
    bills: z.number(),
    counts: z.record(z.string(), z.number()),
    amounts: z.record(
      z.string(),
      z.object({
        byResult: z.record(z.string(), Amounts),
        driftMinor: z.number().describe('Σ |held − expected| in minor units'),
        netDriftMinor: z.number().describe('Σ (held − expected) in minor units'),
      }),
    ),
  })
  .describe(
    'Counts, amounts per result (signed minor units: a credit memo counts negative) and drift, per currency',
  );

const RunResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    from: Day,
    to: Day,
    status: z.enum(['RUNNING', 'COMPLETE', 'FAILED']),
    summary: Summary.nullable(),
    progress: z
      .object({ listed: z.number(), checked: z.number() })
      .describe('Bills listed in m3ter, and compared so far'),
    quickBooksReads: z.number(),
    adopted: z.number().describe('Documents found by their marker after an uncertain create, now recorded'),
    error: z.string().nullable(),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ReconciliationRun' });

const ResultResponse = z
  .object({
    billId: z.string(),
    result: ResultKind,
    documentType: z.enum(['Invoice', 'CreditMemo']).nullable(),
    externalId: z.string().nullable(),
    currency: z.string().nullable(),
    expectedTotalMinor: z.number().nullable(),
    heldTotalMinor: z.number().nullable(),
    differenceMinor: z.number().nullable().describe('held − expected'),
    differences: z.array(z.string()),
    detail: z.string(),
  })
  .meta({ id: 'ReconciliationResult' });

const RunBody = z.strictObject({
  from: Day.describe('First bill date, inclusive'),
  to: Day.describe('Last bill date, exclusive'),
});

const ResultsQuery = z.strictObject({
  result: z
    .union([ResultKind, z.string().transform((s) => s.split(','))])
    .optional()
    .describe('Only these results (comma-separated)'),
  billId: z.string().min(1).max(200).optional(),
});

const Action = z
  .enum(RECONCILIATION_ACTIONS)
  .describe(
    'resync: send the bill again, comparing with what QuickBooks holds (MISSING, AMOUNT_DIFFERS, LINES_DIFFER, ' +
      'CUSTOMER_DIFFERS, EDITED_IN_QUICKBOOKS, DELETED, VOIDED); replay: the same as a replay of its last failed run; ' +
      "adopt: record the UNLINKED document as the bill's (no QuickBooks write)",
  );

const ActionBody = z.strictObject({ action: Action });

const BulkActionBody = z.strictObject({
  action: Action,
  result: z
    .array(ResultKind)
    .min(1)
    .max(RECONCILIATION_RESULTS.length)
    .optional()
    .describe('Only results of these kinds (default: every kind the action fixes)'),
  billIds: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional().describe('Only these bills'),
});

const ResultParams = z.object({ id: z.string().min(1), billId: z.string().min(1) });

const ActionOutcome = z
  .object({
    billId: z.string(),
    action: Action,
    result: ResultKind.describe('The result acted on'),
    runId: z
      .string()
      .optional()
      .describe('resync, replay: the new run (WAITING until its workflow takes it)'),
    workflowId: z.string().optional(),
    replayedFromRunId: z.string().optional(),
    documentType: z.enum(['Invoice', 'CreditMemo']).optional().describe('adopt: the document now linked'),
    externalId: z.string().optional(),
  })
  .meta({ id: 'ReconciliationActionOutcome' });

function filterOf(query: z.output<typeof ResultsQuery>) {
  const results =
    query.result === undefined ? undefined : Array.isArray(query.result) ? query.result : [query.result];
  return {
    results: results?.map((r) => parseOrThrow(ResultKind, r, 'result')),
    billId: query.billId,
  };
}

const CSV_COLUMNS = [
  'billId',
  'result',
  'documentType',
  'externalId',
  'currency',
  'expectedTotalMinor',
  'heldTotalMinor',
  'differenceMinor',
  'detail',
] as const satisfies ReadonlyArray<keyof BillReconciliation>;

function csv(results: readonly BillReconciliation[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return (
    [CSV_COLUMNS.join(','), ...results.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join(
      '\r\n',
    ) + '\r\n'
  );
}

/** Reconciliation runs: started on demand (a workflow each), listed, served with their results (JSON or CSV). */
export function reconciliationRoutes(deps: ReconciliationRouteDeps) {
  const { db } = deps;
  return (registry: OpenAPIRegistry): Router => {
    const r = routes(registry, 'Reconciliation');
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/reconciliations',
        summary: 'Reconcile the bills m3ter dates in a range against QuickBooks (reads only; a workflow)',
        params: IdParams,
        body: RunBody,
        status: 202,
        response: RunResponse,
      },
      ({ params, body }) => {
        if (!deps.reconciliations)
          throw new DomainError(
            ERROR_CODES.INVALID_STATE,
            'Reconciliations cannot be started by this process',
          );
        return requestReconciliation(
          { db, m3ter: deps.m3ter, reconciliations: deps.reconciliations },
          params.id,
          body,
        );
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/reconciliations',
        summary: "The integration's reconciliation runs, newest first (100)",
        params: IdParams,
        response: z.object({ data: z.array(RunResponse) }),
      },
      async ({ params }) => ({ data: await reconciliationsOf(db, params.id) }),
    );
    r.route(
      {
        method: 'get',
        path: '/reconciliations/{id}',
        summary: 'A reconciliation run with its results (filterable by result and bill)',
        params: IdParams,
        query: ResultsQuery,
        response: RunResponse.extend({ results: z.array(ResultResponse) }),
      },
      async ({ params, query }) => {
        const { run, results } = await reconciliationById(db, params.id, filterOf(query));
        return { ...run, results };
      },
    );
    const actionDeps = () => {
      if (!deps.syncs)
        throw new DomainError(ERROR_CODES.INVALID_STATE, 'Syncs cannot be requested by this process');
      return { db, m3ter: deps.m3ter, syncs: deps.syncs, connector: deps.connector };
    };
    r.route(
      {
        method: 'post',
        path: '/reconciliations/{id}/results/{billId}/actions',
        summary:
          "Fix one bill's result: resync, replay or adopt (409 with a code when the action does not fix it)",
        params: ResultParams,
        body: ActionBody,
        status: 202,
        response: ActionOutcome,
      },
      ({ params, body }) => actOnReconciliationResult(actionDeps(), params.id, params.billId, body.action),
    );
    r.route(
      {
        method: 'post',
        path: '/reconciliations/{id}/actions',
        summary: 'Fix many results at once: each picked result the action fixes; how many were acted on',
        params: IdParams,
        body: BulkActionBody,
        status: 202,
        response: z.object({
          action: Action,
          acted: z.number().int(),
          outcomes: z.array(ActionOutcome),
          skipped: z.array(
            z.object({ billId: z.string(), result: ResultKind, code: z.string(), message: z.string() }),
          ),
        }),
      },
      ({ params, body }) => actOnReconciliationResults(actionDeps(), params.id, body),
    );
    registry.registerPath({
      method: 'get',
      path: '/reconciliations/{id}/results.csv',
      tags: ['Reconciliation'],
      summary: "A run's results as CSV (same filters)",
      request: { params: IdParams, query: ResultsQuery },
      responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } } },
    });
    r.router.get('/reconciliations/:id/results.csv', async (req, res) => {
      const params = parseOrThrow(IdParams, req.params, 'params');
      const query = parseOrThrow(ResultsQuery, req.query, 'query');
      const { results } = await reconciliationById(db, params.id, filterOf(query));
      res
        .status(200)
        .type('text/csv')
        .set('Content-Disposition', `attachment; filename="reconciliation-${params.id}.csv"`)
        .send(csv(results));
    });
    return r.router;
  };
}
