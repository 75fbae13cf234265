import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { HealthCheck } from '../api/app';
import { createServiceApi } from '../api/service-api';
import { createActivities } from '../activities';
import { createDisabledNotifier } from '../bill-sync/disabled-notifier';
import { publicBaseUrl, type Env } from '../config/env';
import { migrate } from '../db/migrate';
import { M3terClient } from '../m3ter/client';
import { createPool, type Db } from '../db/pool';
import type { Logger } from '../platform/logger';
import { exporterAt, metricsText } from '../platform/metrics';
import { createSmtpMailer } from '../platform/mailer';
import { createSecretBox } from '../platform/secret-box';
import { QuickBooksConnector } from '../quickbooks/connector';
import { INTUIT, type QuickBooksEndpoints } from '../quickbooks/endpoints';
import { startExpiryWatch } from '../quickbooks/expiry-warnings';
import { PgRateGovernor } from '../quickbooks/rate-governor';
import { createBatchWriter } from '../quickbooks/batch-writer';
import { createReferenceCache, type ReferenceCache } from '../settings/reference-cache';
import { ensureSweepSchedules } from '../bill-sync/sweep';
import { temporalBackfillStarter } from '../temporal/backfill-starter';
import { temporalReconciliationStarter } from '../temporal/reconciliation-starter';
import { temporalReconciliationScheduler } from '../temporal/reconciliation-scheduler';
import { ensureReconciliationSchedules } from '../bill-sync/reconciliation';
import { temporalSyncRequester } from '../temporal/bill-sync-starter';
import { connectTemporalClient, connectWorker, type TemporalClientHandle } from '../temporal/connection';
import { temporalSweepScheduler } from '../temporal/sweep-scheduler';
import { EncryptionCodec, createDataConverter } from '../temporal/payload-codec';
import { installTemporalRuntime } from '../temporal/runtime';
import { createWorker } from '../temporal/worker';
import { redirectUri, startEmbeddedServices, type Infrastructure } from './embedded-services';
import type { StopStack } from './lifecycle';
import { resolveSecrets, type ServiceSecrets } from './secrets';
import { consoleDir } from './console-build';

/**
 * The service as one process runs it (ROLE): the worker, the API, or both, wired to their servers — the
 * configured ones, or under `npm start` the embedded ones. Returns what to print: component → where.
 */
export async function startService(
  env: Env,
  logger: Logger,
  stack: StopStack,
): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  // The SDK's worker metrics (a loopback exporter) are part of this process's /metrics.
  const sdkMetrics =
    env.ROLE !== 'api'
      ? `127.0.0.1:${env.TEMPORAL_SDK_METRICS_PORT || (await freeLoopbackPort())}`
      : undefined;
  installTemporalRuntime(logger, { metricsAddress: sdkMetrics });
  const metrics = () => metricsText(sdkMetrics ? [exporterAt(sdkMetrics)] : []);
  const secrets = resolveSecrets({ ...env, DATA_DIR: path.resolve(env.DATA_DIR) });
  const infra = await startEmbeddedServices(env, stack, urls, {
    apiKey: secrets.webhookApiKey ?? 'npm-start',
    secret: secrets.webhookSecret,
  });
  if (infra.temporalUiUrl) urls['Temporal Web UI'] = infra.temporalUiUrl;

  const db = createPool(infra.databaseUrl);
  stack.push('database pool', () => db.end());
  const { applied } = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const m3ter = infra.m3ter ? new M3terClient(infra.m3ter) : undefined;
  const wiring: Wiring = {
    env,
    logger,
    stack,
    urls,
    db,
    secrets,
    infra,
    m3ter,
    reference: createReferenceCache({ db, m3ter, ttlMs: env.REFERENCE_DATA_TTL_SECONDS * 1000, logger }),
    endpoints: infra.emulatedQuickBooks ?? intuitEndpoints(env),
    metrics,
  };
  if (env.ROLE !== 'api') await startWorkerRole(wiring);
  if (env.ROLE !== 'worker') await startApiRole(wiring);
  if (secrets.generated.length && env.NODE_ENV !== 'production') {
    urls['Dev secrets'] = `${path.resolve(env.DATA_DIR, 'secrets')} (admin API key: admin-api.key)`;
  }
  return urls;
}

interface Wiring {
  env: Env;
  logger: Logger;
  stack: StopStack;
  urls: Record<string, string>;
  db: Db;
  secrets: ServiceSecrets;
  infra: Infrastructure;
  m3ter: M3terClient | undefined;
  reference: ReferenceCache;
  endpoints: QuickBooksEndpoints;
  metrics: () => Promise<string>;
  temporal?: TemporalClientHandle;
}

/** The QuickBooks connector of a process: tokens refreshed when due, every call within the realm's limits. */
function quickBooksConnector({ env, db, secrets, endpoints, logger }: Wiring): QuickBooksConnector {
  return new QuickBooksConnector({
    db,
    secretBox: createSecretBox(secrets.encryptionKey),
    endpoints,
    logger,
    refreshSkewMs: env.QBO_TOKEN_REFRESH_SKEW_SECONDS * 1000,
    expiryWarningDays: env.QBO_EXPIRY_WARNING_DAYS,
    governor: new PgRateGovernor(db),
  });
}

async function startWorkerRole(w: Wiring): Promise<void> {
  const { env, logger, stack, db } = w;
  const mailer = env.SMTP_URL ? createSmtpMailer(env.SMTP_URL, env.MAIL_FROM) : undefined;
  if (mailer) stack.push('mailer', () => mailer.close());
  else logger.warn('SMTP_URL is not set: disablement e-mails are logged, not sent');
  const connection = await connectWorker(w.infra.temporalAddress);
  stack.push('worker connection', () => connection.close());
  // Backfills and sweeps ask for bill syncs, as the API does.
  const temporal = await temporalClient(w);
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    deadlockTimeoutMs: env.WORKFLOW_DEADLOCK_TIMEOUT_MS,
    stackTraces: env.WORKFLOW_STACK_TRACES,
    workflowBundle: env.WORKFLOW_BUNDLE_PATH ? { codePath: env.WORKFLOW_BUNDLE_PATH } : undefined,
    // Bill and customer data in Temporal are encrypted with a key derived from ENCRYPTION_KEY.
    dataConverter: createDataConverter(w.secrets.encryptionKey),
    activities: createActivities({
      db,
      m3ter: w.m3ter,
      reference: w.reference,
      logger,
      quickBooks: quickBooksConnector(w),
      documentWriter: env.QBO_BATCH_WRITES
        ? createBatchWriter(db, {
            batchesPerMinute: env.QBO_BATCH_REQUESTS_PER_MINUTE,
            maxItems: env.QBO_BATCH_MAX_ITEMS,
          })
        : undefined,
      throttleWaitMs: env.QBO_THROTTLE_WAIT_SECONDS * 1000,
      endpoints: w.endpoints,
      notifier: createDisabledNotifier({
        db,
        mailer,
        logger,
        publicBaseUrl: publicBaseUrl(env),
        reference: w.reference,
      }),
      syncs: temporalSyncRequester(temporal.client, taskQueue, `${publicBaseUrl(env)}/console`),
      sweeps: w.m3ter && temporalSweepScheduler(temporal.client, taskQueue),
      reconciliationSchedules: w.m3ter && temporalReconciliationScheduler(temporal.client, taskQueue),
    }),
  });
  const running = worker.run();
  stack.push('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  running.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
  w.urls.Worker = `task queue "${env.TEMPORAL_TASK_QUEUE}"`;
  if (env.ROLE === 'worker' && env.METRICS_PORT !== undefined) {
    const server = await serveMetrics(w.metrics, env.METRICS_PORT, env.METRICS_HOST);
    stack.push('metrics', () => new Promise<void>((resolve) => server.close(() => resolve())));
    w.urls.Metrics = `http://${env.METRICS_HOST}:${env.METRICS_PORT}/metrics`;
  }
  // Credentials whose refresh token or 5-year cap runs out soon get a warning event (every worker checks; recorded once).
  const expiryWatch = startExpiryWatch({ db, logger, thresholdsDays: env.QBO_EXPIRY_WARNING_DAYS });
  stack.push('credential expiry watch', () => expiryWatch.stop());
}

async function startApiRole(w: Wiring): Promise<void> {
  const { env, logger, stack, db, secrets, infra, endpoints } = w;
  const temporal = await temporalClient(w);
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const sweeps = w.m3ter && temporalSweepScheduler(temporal.client, taskQueue);
  if (sweeps)
    // Every integration has its missed-webhook sweep (made here for those created while no API ran).
    ensureSweepSchedules(db, sweeps).then(
      (count) => logger.info({ integrations: count }, 'sweep schedules in place'),
      (err: unknown) =>
        logger.warn({ err }, 'sweep schedules could not be checked; a GET of a sweep makes one'),
    );
  const reconciliationSchedules = w.m3ter && temporalReconciliationScheduler(temporal.client, taskQueue);
  if (reconciliationSchedules)
    // Every integration has its daily reconciliation (made here for those created while no API ran).
    ensureReconciliationSchedules(db, reconciliationSchedules).then(
      (count) => logger.info({ integrations: count }, 'reconciliation schedules in place'),
      (err: unknown) => logger.warn({ err }, 'reconciliation schedules could not be checked'),
    );
  const healthChecks: HealthCheck[] = [
    { name: 'database', check: async () => (await db.query('SELECT 1'), { ok: true }) },
    {
      name: 'temporal',
      check: async () => {
        await temporal.connection.workflowService.getSystemInfo({});
        return { ok: true, detail: infra.temporalAddress };
      },
    },
    {
      name: 'quickbooks',
      check: async () => ({
        ok: true,
        detail: infra.emulatedQuickBooks ? endpoints.apiBaseUrl.QuickBooks : 'Intuit',
      }),
    },
  ];
  const codecOrigins = [...env.CODEC_ALLOWED_ORIGINS];
  // Under npm start the local dev server's Web UI may decode from the browser (it cannot send the API key).
  if (infra.temporalUiUrl && !env.TEMPORAL_UI_URL && env.NODE_ENV !== 'production') {
    const ui = new URL(infra.temporalUiUrl);
    codecOrigins.push(ui.origin, `${ui.protocol}//localhost:${ui.port}`);
  }
  const app = createServiceApi({
    db,
    logger,
    secretBox: createSecretBox(secrets.encryptionKey),
    syncs: temporalSyncRequester(temporal.client, taskQueue, `${publicBaseUrl(env)}/console`),
    m3ter: w.m3ter,
    reference: w.reference,
    backfills: temporalBackfillStarter(temporal.client, taskQueue),
    reconciliations: temporalReconciliationStarter(temporal.client, taskQueue),
    reconciliationSchedules,
    sweeps,
    connector: quickBooksConnector(w),
    endpoints,
    links: { temporalUiUrl: infra.temporalUiUrl, namespace: env.TEMPORAL_NAMESPACE },
    adminApiKey: secrets.adminApiKey,
    maxBodyBytes: env.MAX_BODY_BYTES,
    webhook: {
      secret: secrets.webhookSecret,
      apiKey: secrets.webhookApiKey,
      toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
      verify: env.M3TER_WEBHOOK_VERIFY,
      rateLimitPerMinute: env.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    },
    quickBooksVerifierToken: env.QBO_WEBHOOK_VERIFIER_TOKEN,
    webhookUrl: `${publicBaseUrl(env)}/webhooks/m3ter`,
    codec: { codec: new EncryptionCodec(secrets.encryptionKey), allowedOrigins: codecOrigins },
    healthChecks,
    metrics: w.metrics,
    console: {
      policy: {
        idleSeconds: env.CONSOLE_SESSION_IDLE_MINUTES * 60,
        maxAgeSeconds: env.CONSOLE_SESSION_MAX_HOURS * 3600,
      },
      secureCookie: publicBaseUrl(env).startsWith('https:'),
      signInFailuresPerMinute: env.CONSOLE_SIGNIN_FAILURES_PER_MINUTE,
      dir: await consoleDir(env, logger),
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(env.API_PORT, env.API_HOST, () => resolve(s));
  });
  stack.push('API', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = publicBaseUrl(env);
  w.urls.API = `http://${env.API_HOST}:${env.API_PORT}  (OpenAPI: /openapi.json, health: /health, metrics: /metrics)`;
  w.urls.Console = `${base}/console/ (sign in with the admin API key)`;
  w.urls.Webhook = `POST http://${env.API_HOST}:${env.API_PORT}/webhooks/m3ter`;
  w.urls['Connect QuickBooks'] =
    `GET ${base}/credentials/{id}/connect (API key; callback ${endpoints.redirectUri})`;
  w.urls['Temporal codec'] = `${base}/codec (payloads are encrypted; the Web UI decodes through it)`;
}

/** The process's one Temporal client (payloads encrypted like the workers'). */
async function temporalClient(w: Wiring): Promise<TemporalClientHandle> {
  if (!w.temporal) {
    const handle = await connectTemporalClient(w.infra.temporalAddress, w.env.TEMPORAL_NAMESPACE, {
      dataConverter: createDataConverter(w.secrets.encryptionKey),
    });
    w.stack.push('Temporal client', () => handle.close());
    w.temporal = handle;
  }
  return w.temporal;
}

/** Intuit's endpoints, each overridable (e.g. to point a worker at an emulator elsewhere). */
function intuitEndpoints(env: Env): QuickBooksEndpoints {
  return {
    apiBaseUrl: {
      QuickBooks: env.QBO_API_BASE_URL ?? INTUIT.apiBaseUrl.QuickBooks,
      QuickBooksSandbox: env.QBO_SANDBOX_API_BASE_URL ?? INTUIT.apiBaseUrl.QuickBooksSandbox,
    },
    appBaseUrl: env.QBO_APP_BASE_URL
      ? { QuickBooks: env.QBO_APP_BASE_URL, QuickBooksSandbox: env.QBO_APP_BASE_URL }
      : { ...INTUIT.appBaseUrl },
    authorizeUrl: env.QBO_AUTHORIZE_URL ?? INTUIT.authorizeUrl,
    tokenUrl: env.QBO_TOKEN_URL ?? INTUIT.tokenUrl,
    revokeUrl: env.QBO_REVOKE_URL ?? INTUIT.revokeUrl,
    clientId: env.QBO_CLIENT_ID ?? '',
    clientSecret: env.QBO_CLIENT_SECRET ?? '',
    redirectUri: redirectUri(env),
  };
}

/** /metrics of a worker-only process. */
function serveMetrics(metrics: () => Promise<string>, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A port the OS has free on loopback now. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
