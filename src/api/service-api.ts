import type { IntegrationListener } from '../settings/integrations';
import type { PayloadCodec } from '@temporalio/common';
import type { Express } from 'express';
import type { BackfillStarter } from '../bill-sync/backfill';
import {
  reconciliationSchedulesFollow,
  type ReconciliationScheduler,
  type ReconciliationStarter,
} from '../bill-sync/reconciliation';
import type { RunLinks } from '../bill-sync/runs-and-events';
import { sweepSchedulesFollow, type SweepScheduler } from '../bill-sync/sweep';
import type { SyncRequester } from '../bill-sync/sync-requester';
import type { Db } from '../db/pool';
import type { M3terClient } from '../m3ter/client';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secret-box';
import type { QuickBooksConnector } from '../quickbooks/connector';
import type { QuickBooksEndpoints } from '../quickbooks/endpoints';
import { webhookKeyring } from '../settings/m3ter-connection';
import type { ReferenceCache } from '../settings/reference-cache';
import type { ConsoleSessionPolicy } from '../settings/console-sessions';
import { createApp, type HealthCheck } from './app';
import { backfillRoutes } from './routes/backfill.routes';
import { reconciliationRoutes } from './routes/reconciliation.routes';
import { quickBooksWebhookRoutes } from './routes/quickbooks-webhook.routes';
import { m3terRoutes } from './routes/m3ter.routes';
import { billSyncRoutes } from './routes/bill-sync.routes';
import { codecRoutes } from './routes/codec.routes';
import { quickBooksCallbackRoutes, quickBooksConnectRoutes } from './routes/oauth.routes';
import { settingsRouters } from './routes/settings-routers';
import { webhookRoutes, type WebhookRouteOptions } from './routes/webhooks.routes';

export interface ServiceApiDeps {
  db: Db;
  logger: Logger;
  secretBox: SecretBox;
  syncs: SyncRequester;
  /** m3ter's API; absent when the deployment runs from webhook bodies. */
  m3ter?: M3terClient;
  reference: ReferenceCache;
  backfills: BackfillStarter;
  /** Starts reconciliation workflows (absent: stored runs are served, none started). */
  reconciliations?: ReconciliationStarter;
  /** The daily reconciliations' schedules, made and removed with their integrations. */
  reconciliationSchedules?: ReconciliationScheduler;
  /** QBO_WEBHOOK_VERIFIER_TOKEN: QuickBooks' change notifications (unset: POST /webhooks/quickbooks answers 409). */
  quickBooksVerifierToken?: string;
  /** The missed-webhook sweeps' schedules (absent without m3ter's API). */
  sweeps?: SweepScheduler;
  /** For previews (reads only). */
  connector: QuickBooksConnector;
  endpoints: QuickBooksEndpoints;
  links: RunLinks;
  adminApiKey: string;
  maxBodyBytes: number;
  webhook: Omit<WebhookRouteOptions, 'maxBodyBytes' | 'keyring'>;
  /** Where m3ter sends webhooks (PUBLIC_BASE_URL/webhooks/m3ter), for m3ter:connect. */
  webhookUrl: string;
  codec: { codec: PayloadCodec; allowedOrigins: string[] };
  healthChecks: HealthCheck[];
  metrics?: () => Promise<string>;
  /** Console sessions (idle and absolute lifetime) and the built console's folder. */
  console: {
    policy: ConsoleSessionPolicy;
    secureCookie: boolean;
    signInFailuresPerMinute?: number;
    dir?: string;
  };
}

/** The service's whole HTTP API: webhooks, the OAuth callback and the codec in public, the rest behind the key. */
export function createServiceApi(deps: ServiceApiDeps): Express {
  const { db, logger, secretBox, endpoints } = deps;
  const connectFlow = { db, secretBox, endpoints, logger };
  return createApp({
    logger,
    adminApiKey: deps.adminApiKey,
    maxBodyBytes: deps.maxBodyBytes,
    healthChecks: deps.healthChecks,
    metrics: deps.metrics,
    consoleSessions: {
      db,
      policy: deps.console.policy,
      secureCookie: deps.console.secureCookie,
      signInFailuresPerMinute: deps.console.signInFailuresPerMinute,
    },
    consoleDir: deps.console.dir,
    publicRouters: [
      webhookRoutes(
        { db, syncs: deps.syncs, logger, m3ter: deps.m3ter, reference: deps.reference },
        {
          ...deps.webhook,
          maxBodyBytes: deps.maxBodyBytes,
          keyring: webhookKeyring({ db, secretBox, configured: deps.webhook }),
        },
      ),
      quickBooksCallbackRoutes(connectFlow),
      quickBooksWebhookRoutes(
        { db, logger, connector: deps.connector },
        { verifierToken: deps.quickBooksVerifierToken, maxBodyBytes: deps.maxBodyBytes },
      ),
      codecRoutes({
        ...deps.codec,
        adminApiKey: deps.adminApiKey,
        maxBodyBytes: Math.max(deps.maxBodyBytes, 4 * 1_048_576),
        logger,
      }),
    ],
    adminRouters: [
      ...settingsRouters({
        db,
        secretBox,
        logger,
        reference: deps.reference,
        integrationListener: bothListeners(
          deps.sweeps && sweepSchedulesFollow(deps.sweeps, logger),
          deps.reconciliationSchedules && reconciliationSchedulesFollow(deps.reconciliationSchedules, logger),
        ),
      }),
      quickBooksConnectRoutes(connectFlow),
      billSyncRoutes({
        db,
        syncs: deps.syncs,
        m3ter: deps.m3ter,
        connector: deps.connector,
        reference: deps.reference,
        links: deps.links,
      }),
      backfillRoutes({ db, m3ter: deps.m3ter, backfills: deps.backfills, sweeps: deps.sweeps }),
      reconciliationRoutes({
        db,
        m3ter: deps.m3ter,
        reconciliations: deps.reconciliations,
        syncs: deps.syncs,
        connector: deps.connector,
      }),
      m3terRoutes({ db, m3ter: deps.m3ter, secretBox, webhookUrl: deps.webhookUrl }),
    ],
  });
}

/** Both schedules follow the integrations (each listener already swallows and logs its own failures). */
function bothListeners(
  ...listeners: Array<IntegrationListener | undefined>
): IntegrationListener | undefined {
  const present = listeners.filter((l): l is IntegrationListener => l !== undefined);
  if (present.length === 0) return undefined;
  return {
    created: async (id) => {
      for (const l of present) await l.created(id);
    },
    deleted: async (id) => {
      for (const l of present) await l.deleted(id);
    },
  };
}
