import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { previewBillDocument } from '../../bill-sync/preview';
import {
  actionEvent,
  eventById,
  findEvents,
  findRuns,
  runById,
  type RunLinks,
} from '../../bill-sync/runs-and-events';
import { searchQuickBooks } from '../../bill-sync/quickbooks-search';
import { replayRun, replayRuns, syncBillNow, type SyncRequestDeps } from '../../bill-sync/sync-requests';
import { ExternalTableSchema } from '../../domain/external-mapping';
import { QboDocumentTypeSchema } from '../../domain/invoice';
import { INTEGRATION_EVENT_TYPES, RUN_STATUSES } from '../../domain/run-status';
import type { QuickBooksConnector } from '../../quickbooks/connector';
import type { ReferenceCache } from '../../settings/reference-cache';
import { IdParams, PageQuery, QueryBoolean, Timestamp, routes } from './route-kit';

export interface BillSyncRouteDeps extends SyncRequestDeps {
  connector: QuickBooksConnector;
  reference: ReferenceCache;
  links: RunLinks;
}

const RunStatusSchema = z.enum(RUN_STATUSES);
const StatusList = z
  .union([RunStatusSchema, z.array(RunStatusSchema)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .or(
    z.string().transform((v, ctx) => {
      const parts = v.split(',').map((p) => p.trim());
      const bad = parts.filter((p) => !(RUN_STATUSES as readonly string[]).includes(p));
      if (bad.length)
        ctx.addIssue({
          code: 'custom',
          message: `unknown status(es): ${bad.join(', ')}; expected ${RUN_STATUSES.join(', ')}`,
        });
      return parts as Array<z.infer<typeof RunStatusSchema>>;
    }),
  );

/** A filter bound: an ISO 8601 date-time with Z or an offset, normalized to UTC (compared as an instant). */
const Instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .describe('ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z');

const RunResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    billId: z.string(),
    accountId: z.string().nullable(),
    billVersion: z.number().nullable(),
    status: RunStatusSchema,
    trigger: z.string(),
    externalId: z.string().nullable(),
    externalType: QboDocumentTypeSchema.nullable(),
    url: z.string().nullable(),
    message: z.string().nullable(),
    error: z
      .unknown()
      .nullable()
      .describe('code, message, and QuickBooks code / element / detail / intuit_tid'),
    warnings: z.array(z.string()),
    batch: z
      .object({ requestId: z.string(), size: z.number().int() })
      .nullable()
      .describe('The QuickBooks batch the write went out in (null: sent alone)'),
    workflowId: z.string(),
    workflowRunId: z.string().nullable().describe('Set once the workflow took the run up'),
    temporalUrl: z.string().nullable().describe('The workflow in the Temporal Web UI'),
    replayedFromRunId: z.string().nullable(),
    startedAt: Timestamp,
    completedAt: Timestamp.nullable(),
  })
  .meta({ id: 'IntegrationRun' });

const RunsQuery = z.strictObject({
  integrationId: z.string().optional(),
  billId: z.string().optional(),
  status: StatusList.optional().describe('One status or a comma-separated list'),
  from: Instant.optional().describe('Started at or after'),
  to: Instant.optional().describe('Started before'),
  ...PageQuery,
});

const ReplayBody = z
  .strictObject({
    statuses: z
      .array(RunStatusSchema)
      .optional()
      .describe('Default: ERROR, AUTH_FAILED, TIMEOUT_LIMIT_EXCEEDED, DISABLED'),
    from: Instant.optional().describe('Runs started at or after'),
    to: Instant.optional().describe('Runs started before'),
    limit: z.number().int().min(1).max(10_000).optional(),
    dryRun: z
      .boolean()
      .optional()
      .describe('true: only count the runs that would be replayed (matched), replay none'),
  })
  .default({});

const QuickBooksEntity = z
  .object({
    id: z.string(),
    name: z.string(),
    active: z.boolean(),
    email: z.string().optional(),
    currency: z.string().optional(),
    type: z.string().optional(),
  })
  .meta({ id: 'QuickBooksEntity' });

const EventResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    eventType: z.enum(INTEGRATION_EVENT_TYPES),
    message: z.string(),
    runId: z.string().nullable(),
    billId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    actioned: z.boolean(),
    actionedAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'IntegrationEvent' });

const BillParams = z.object({ id: z.string().min(1), billId: z.string().min(1) });

/** Runs, events, manual sync, preview and replay. */
const RequestedSyncResponse = z
  .object({
    runId: z.string().describe('The new run: WAITING until its workflow takes it up'),
    workflowId: z.string(),
  })
  .meta({ id: 'RequestedSync' });

const ReplayResponse = RequestedSyncResponse.extend({
  replayedFromRunId: z.string(),
  billId: z.string(),
}).meta({ id: 'ReplayedRun' });

export function billSyncRoutes(deps: BillSyncRouteDeps) {
  const { db, links } = deps;
  return (registry: OpenAPIRegistry): Router => {
    const r = routes(registry, 'Sync');
    r.route(
      {
        method: 'get',
        path: '/integration-runs',
        summary: 'List runs',
        query: RunsQuery,
        response: z.object({ data: z.array(RunResponse) }),
      },
      async ({ query }) => ({
        data: await findRuns(db, links, {
          integrationId: query.integrationId,
          billId: query.billId,
          statuses: query.status,
          from: query.from,
          to: query.to,
          limit: query.limit,
          offset: query.offset,
        }),
      }),
    );
    r.route(
      {
        method: 'get',
        path: '/integration-runs/{id}',
        summary: 'Get a run',
        params: IdParams,
        response: RunResponse,
      },
      ({ params }) => runById(db, links, params.id),
    );
    r.route(
      {
        method: 'post',
        path: '/integration-runs/{id}/replay',
        summary: 'Replay a run (a new run, same document)',
        params: IdParams,
        status: 202,
        response: ReplayResponse,
      },
      ({ params }) => replayRun(deps, params.id),
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/replay',
        summary: "Replay many runs: each bill's latest run with one of the statuses, in the window",
        params: IdParams,
        body: ReplayBody,
        status: 202,
        response: z.object({
          matched: z.number().int().describe('Runs the filter picked'),
          replayed: z.number().int().describe('Runs replayed (0 for a dry run)'),
          runs: z.array(ReplayResponse),
        }),
      },
      async ({ params, body }) => {
        const { dryRun, ...filter } = body;
        const outcome = await replayRuns(deps, params.id, filter, { dryRun: dryRun === true });
        return { matched: outcome.matched, replayed: outcome.replayed.length, runs: outcome.replayed };
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/quickbooks/{table}',
        summary: "Search the integration's QuickBooks company's customers or items by name (read live)",
        params: z.object({ id: z.string().min(1), table: ExternalTableSchema }),
        query: z.strictObject({
          search: z.string().max(100).default('').describe('Part of the name, any case (empty: all)'),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
        response: z.object({ data: z.array(QuickBooksEntity) }),
      },
      async ({ params, query }) => ({
        data: await searchQuickBooks(deps, params.id, params.table, query.search, query.limit),
      }),
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/bills/{billId}/sync',
        summary: 'Send a bill now',
        params: BillParams,
        status: 202,
        response: RequestedSyncResponse,
      },
      ({ params }) => syncBillNow(deps, params.id, params.billId),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/bills/{billId}/preview',
        summary: 'The exact QuickBooks payload a sync would send (or why nothing would be sent)',
        params: BillParams,
      },
      ({ params }) =>
        previewBillDocument(
          { db, connector: deps.connector, reference: deps.reference },
          params.id,
          params.billId,
        ),
    );
    r.route(
      {
        method: 'get',
        path: '/integration-events',
        summary: 'List integration events',
        query: z.strictObject({
          integrationId: z.string().optional(),
          eventType: z.enum(INTEGRATION_EVENT_TYPES).optional(),
          actioned: QueryBoolean.optional(),
          from: Instant.optional(),
          to: Instant.optional(),
          ...PageQuery,
        }),
        response: z.object({ data: z.array(EventResponse) }),
      },
      async ({ query }) => ({ data: await findEvents(db, query) }),
    );
    r.route(
      {
        method: 'get',
        path: '/integration-events/{id}',
        summary: 'Get an event',
        params: IdParams,
        response: EventResponse,
      },
      ({ params }) => eventById(db, params.id),
    );
    r.route(
      {
        method: 'post',
        path: '/integration-events/{id}/action',
        summary: 'Mark an event actioned (or not)',
        params: IdParams,
        body: z.strictObject({ actioned: z.boolean().default(true) }).default({ actioned: true }),
        response: EventResponse,
      },
      ({ params, body }) => actionEvent(db, params.id, body.actioned),
    );
    return r.router;
  };
}
