import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import {
  reconciliationById,
  reconciliationsOf,
  requestReconciliation,
  type ReconciliationStarter,
} from '../../bill-sync/reconciliation';
import type { Db } from '../../db/pool';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import { RECONCILIATION_RESULTS, type BillReconciliation } from '../../domain/reconciliation';
import { parseOrThrow } from '../../domain/validation';
import type { M3terClient } from '../../m3ter/client';
import { IdParams, Timestamp, routes } from './route-kit';

export interface ReconciliationRouteDeps {
  db: Db;
  m3ter?: M3terClient;
  /** Absent: runs cannot be started here (409), stored ones are still served. */
  reconciliations?: ReconciliationStarter;
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
