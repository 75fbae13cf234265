import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import type { Db } from '../../db/pool';
import type { M3terClient } from '../../m3ter/client';
import type { SecretBox } from '../../platform/secret-box';
import { connectM3terWebhooks } from '../../settings/m3ter-connection';
import { routes } from './route-kit';

export interface M3terRouteDeps {
  db: Db;
  m3ter?: M3terClient;
  secretBox: SecretBox;
  /** Where m3ter is to send its webhooks: PUBLIC_BASE_URL/webhooks/m3ter. */
  webhookUrl: string;
}

const ConnectionResponse = z
  .object({
    webhookUrl: z.string(),
    dryRun: z.boolean(),
    steps: z.array(
      z.object({
        object: z.enum(['WebhookDestination', 'NotificationConfiguration', 'IntegrationConfig']),
        name: z.string(),
        action: z.enum(['create', 'keep', 'rotate']),
        id: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'M3terConnection' });

/** The m3ter side of the set-up (npm run m3ter:connect). */
export function m3terRoutes(deps: M3terRouteDeps) {
  return (registry: OpenAPIRegistry): Router => {
    const r = routes(registry, 'm3ter');
    r.route(
      {
        method: 'post',
        path: '/m3ter/connect',
        summary:
          'Create in m3ter the webhook destination for this service, the notification rules and their links (idempotent; dryRun says what it would create)',
        body: z.strictObject({ dryRun: z.boolean().default(false) }).default({ dryRun: false }),
        response: ConnectionResponse,
      },
      ({ body }) => {
        if (!deps.m3ter)
          throw new DomainError(
            ERROR_CODES.INVALID_STATE,
            'm3ter API credentials are not configured (M3TER_API_KEY, M3TER_API_SECRET, M3TER_ORG_ID)',
          );
        return connectM3terWebhooks({ ...deps, m3ter: deps.m3ter }, { dryRun: body.dryRun });
      },
    );
    return r.router;
  };
}
