import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { integrationOverview } from '../../bill-sync/overview';
import type { SettingsDeps } from './deps';
import { IdParams, Timestamp, routes } from './route-kit';

const OverviewResponse = z
  .object({
    integrationId: z.string(),
    name: z.string(),
    days: z.number().int(),
    from: Timestamp,
    to: Timestamp,
    runsByDay: z
      .array(
        z.object({
          day: z.string().describe('UTC day, YYYY-MM-DD'),
          counts: z.record(z.string(), z.number().int()).describe('Runs started that day, by status'),
          total: z.number().int(),
        }),
      )
      .describe('Every UTC day of the window, oldest first'),
    latency: z
      .object({
        completedRuns: z.number().int(),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
      })
      .describe(
        "COMPLETE runs of the window: completed_at − started_at (the run is created when the bill's event arrives)",
      ),
    needsAction: z.object({
      enabled: z.boolean(),
      autoDisabled: z.boolean(),
      disabledAt: Timestamp.nullable(),
      disabledReason: z.string().nullable(),
      unactionedEvents: z.number().int(),
      runsInError: z.number().int().describe('Bills whose latest run in the window is in ERROR'),
      credential: z
        .object({
          id: z.string(),
          status: z.string(),
          expiresAt: Timestamp.nullable(),
          needsAttention: z.boolean().describe('Not authorized, or the refresh token expires within 14 days'),
        })
        .nullable(),
    }),
  })
  .meta({ id: 'IntegrationOverview' });

/** The console overview: runs per day by status, latency, and what needs action. */
export function overviewRouter(deps: SettingsDeps): (registry: OpenAPIRegistry) => Router {
  const { db, logger } = deps;
  return (registry) => {
    const r = routes(registry, 'Integrations', logger);
    r.route(
      {
        method: 'get',
        path: '/integrations/{id}/overview',
        summary: 'Runs per day by status, bill-to-document latency and what needs action',
        params: IdParams,
        query: z.strictObject({
          days: z.coerce
            .number()
            .int()
            .min(1)
            .max(366)
            .default(30)
            .describe('UTC days, today included (1–366, default 30)'),
        }),
        response: OverviewResponse,
      },
      ({ params, query }) => integrationOverview(db, params.id, query.days),
    );
    return r.router;
  };
}
