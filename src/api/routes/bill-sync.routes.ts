import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { previewBillDocument } from '../../bill-sync/preview';
import { replayRun, replayRuns, syncBillNow, type SyncRequestDeps } from '../../bill-sync/sync-requests';
import {
  getIntegrationEvent,
  listIntegrationEvents,
  markEventActioned,
} from '../../db/repositories/integration-events.repository';
import { getRun, listRuns, type IntegrationRun } from '../../db/repositories/runs.repository';
import { isUuid } from '../../db/repositories/common';
import { NotFoundError } from '../../domain/errors';
import { INTEGRATION_EVENT_TYPES, RUN_STATUSES } from '../../domain/run-status';
import type { Logger } from '../../platform/logger';
import type { QuickBooksConnector } from '../../quickbooks/connector';
import { IdParams, PageQuery, QueryBoolean, Timestamp, routes } from './route-kit';

export interface BillSyncRouteDeps extends SyncRequestDeps {
  connector: QuickBooksConnector;
  logger: Logger;
  temporalUiUrl?: string;
  namespace: string;
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
    externalType: z.enum(['Invoice', 'CreditMemo']).nullable(),
    url: z.string().nullable(),
    message: z.string().nullable(),
    error: z
      .unknown()
      .nullable()
      .describe('code, message, and QuickBooks code / element / detail / intuit_tid'),
    warnings: z.array(z.string()),
    workflowId: z.string(),
    workflowRunId: z.string(),
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
  })
  .default({});

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
export function billSyncRoutes(deps: BillSyncRouteDeps) {
  const withLink = (run: IntegrationRun) => ({
    ...run,
    temporalUrl: deps.temporalUiUrl
      ? `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(run.workflowId)}/${run.workflowRunId}/history`
      : null,
  });

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
      async ({ query }) => {
        // Integration ids are UUIDs: any other value matches no run (and must not reach a uuid column).
        if (query.integrationId && !isUuid(query.integrationId)) return { data: [] };
        return {
          data: (
            await listRuns(deps.db, {
              integrationId: query.integrationId,
              billId: query.billId,
              statuses: query.status,
              from: query.from,
              to: query.to,
              limit: query.limit,
              offset: query.offset,
            })
          ).map(withLink),
        };
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integration-runs/{id}',
        summary: 'Get a run',
        params: IdParams,
        response: RunResponse,
      },
      async ({ params }) => {
        const run = isUuid(params.id) ? await getRun(deps.db, params.id) : undefined;
        if (!run) throw new NotFoundError('Run', params.id);
        return withLink(run);
      },
    );
    r.route(
      {
        method: 'post',
        path: '/integration-runs/{id}/replay',
        summary: 'Replay a run (a new run, same document)',
        params: IdParams,
        status: 202,
      },
      async ({ params }) => {
        if (!isUuid(params.id)) throw new NotFoundError('Run', params.id);
        return replayRun(deps, params.id);
      },
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/replay',
        summary: "Replay many runs: each bill's latest run with one of the statuses, in the window",
        params: IdParams,
        body: ReplayBody,
        status: 202,
      },
      async ({ params, body }) => {
        if (!isUuid(params.id)) throw new NotFoundError('Integration', params.id);
        const replayed = await replayRuns(deps, params.id, body);
        return { replayed: replayed.length, runs: replayed };
      },
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/bills/{billId}/sync',
        summary: 'Send a bill now',
        params: BillParams,
        status: 202,
      },
      async ({ params }) => {
        if (!isUuid(params.id)) throw new NotFoundError('Integration', params.id);
        return syncBillNow(deps, params.id, params.billId);
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/bills/{billId}/preview',
        summary: 'The exact QuickBooks payload a sync would send (or why nothing would be sent)',
        params: BillParams,
      },
      async ({ params }) => {
        if (!isUuid(params.id)) throw new NotFoundError('Integration', params.id);
        return previewBillDocument({ db: deps.db, connector: deps.connector }, params.id, params.billId);
      },
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
      async ({ query }) => {
        if (query.integrationId && !isUuid(query.integrationId)) return { data: [] };
        return { data: await listIntegrationEvents(deps.db, query) };
      },
    );
    r.route(
      {
        method: 'get',
        path: '/integration-events/{id}',
        summary: 'Get an event',
        params: IdParams,
        response: EventResponse,
      },
      async ({ params }) => {
        const event = isUuid(params.id) ? await getIntegrationEvent(deps.db, params.id) : undefined;
        if (!event) throw new NotFoundError('Event', params.id);
        return event;
      },
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
      async ({ params, body }) => {
        const event = isUuid(params.id)
          ? await markEventActioned(deps.db, params.id, body.actioned)
          : undefined;
        if (!event) throw new NotFoundError('Event', params.id);
        return event;
      },
    );
    return r.router;
  };
}
