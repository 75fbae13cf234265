import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { backfillById, backfillsOf, requestBackfill, type BackfillStarter } from '../../bill-sync/backfill';
import { changeSweep, sweepNow, sweepStateOf, type SweepScheduler } from '../../bill-sync/sweep';
import type { Db } from '../../db/pool';
import type { M3terClient } from '../../m3ter/client';
import { IdParams, Timestamp, routes } from './route-kit';

export interface BackfillRouteDeps {
  db: Db;
  /** Absent in a deployment that runs from webhook bodies (the routes then answer 409). */
  m3ter?: M3terClient;
  backfills: BackfillStarter;
  sweeps?: SweepScheduler;
}

const Day = z.iso.date().describe('YYYY-MM-DD');

const Progress = z.object({
  found: z.number().describe('Bills m3ter listed in the range'),
  started: z.number().describe('Syncs asked for (bills the integration runs for)'),
  complete: z.number(),
  skipped: z.number().describe('Out of scope, unchanged since the last sync, or not approved'),
  failed: z.number(),
});

const BackfillResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    from: Day,
    to: Day,
    accountIds: z.array(z.string()),
    status: z.enum(['RUNNING', 'COMPLETE', 'FAILED']),
    progress: Progress,
    error: z.string().nullable(),
    workflowId: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Backfill' });

const BackfillBody = z.strictObject({
  from: Day.describe('First bill date, inclusive'),
  to: Day.describe('Last bill date, exclusive'),
  accountIds: z
    .array(z.string().min(1).max(200))
    .max(1000)
    .optional()
    .describe("Only these accounts' bills (default: the integration's account ids, or all)"),
  concurrency: z.number().int().min(1).max(500).optional().describe('Bills in flight at once (default 50)'),
});

const SweepResponse = z
  .object({
    scheduleId: z.string().describe('The Temporal Schedule (Web UI › Schedules)'),
    intervalMinutes: z.number(),
    paused: z.boolean(),
    nextRunAt: Timestamp.nullable(),
    recent: z.array(
      z.object({
        id: z.string(),
        integrationId: z.string(),
        listed: z.number(),
        requested: z.number(),
        requestedBillIds: z.array(z.string()),
        startedAt: Timestamp,
        finishedAt: Timestamp,
      }),
    ),
  })
  .meta({ id: 'Sweep' });

const SweepBody = z.strictObject({
  intervalMinutes: z.number().int().min(1).max(1440).optional(),
  paused: z.boolean().optional(),
});

/** Backfills and the missed-webhook sweep: both list bills in m3ter and sync each under its usual key. */
export function backfillRoutes(deps: BackfillRouteDeps) {
  const { db } = deps;
  return (registry: OpenAPIRegistry): Router => {
    const r = routes(registry, 'Backfill and sweep');
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/backfill',
        summary:
          'Sync every bill m3ter has dated in a range (created once: a second backfill changes nothing)',
        params: IdParams,
        body: BackfillBody,
        status: 202,
        response: BackfillResponse,
      },
      ({ params, body }) => requestBackfill(deps, params.id, body),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/backfills',
        summary: "The integration's backfills, newest first",
        params: IdParams,
        response: z.object({ data: z.array(BackfillResponse) }),
      },
      async ({ params }) => ({ data: await backfillsOf(db, params.id) }),
    );
    r.route(
      {
        method: 'get',
        path: '/backfills/{id}',
        summary: 'A backfill and its progress',
        params: IdParams,
        response: BackfillResponse,
      },
      ({ params }) => backfillById(db, params.id),
    );
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/sweep',
        summary: 'The missed-webhook sweep: its schedule and recent sweeps',
        params: IdParams,
        response: SweepResponse,
      },
      ({ params }) => sweepStateOf(deps, params.id),
    );
    r.route(
      {
        method: 'put',
        path: '/integrations/{id}/sweep',
        summary: 'Change the sweep interval, or pause / resume it',
        params: IdParams,
        body: SweepBody,
        response: SweepResponse,
      },
      ({ params, body }) => changeSweep(deps, params.id, body),
    );
    r.route(
      {
        method: 'post',
        path: '/integrations/{id}/sweep/trigger',
        summary: 'Sweep now',
        params: IdParams,
        status: 202,
        response: z.object({ triggered: z.literal(true) }),
      },
      async ({ params }) => (await sweepNow(deps, params.id), { triggered: true as const }),
    );
    return r.router;
  };
}
