import path from 'node:path';
import type { Server } from 'node:http';
import { createApp, type HealthCheck } from './api/app';
import { settingsRouters } from './api/routes/settings-routers';
import { webhookRoutes } from './api/routes/webhooks.routes';
import { billSyncRoutes } from './api/routes/bill-sync.routes';
import { codecRoutes } from './api/routes/codec.routes';
import { quickBooksCallbackRoutes, quickBooksConnectRoutes } from './api/routes/oauth.routes';
import { createActivities } from './activities';
import { createDisabledNotifier } from './activities/disabled-notifier';
import { StopStack, onShutdownSignal } from './bootstrap/lifecycle';
import { emulatorEndpoints } from './bootstrap/emulator-endpoints';
import { resolveSecrets } from './bootstrap/secrets';
import { ConfigError, loadEnv, type Env } from './config/env';
import { startEmbeddedPostgres } from './db/embedded-postgres';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger, type Logger } from './platform/logger';
import { createSmtpMailer } from './platform/mailer';
import { createSecretBox } from './platform/secret-box';
import { QuickBooksConnector } from './quickbooks/connector';
import { startExpiryWatch } from './quickbooks/expiry-warnings';
import { PgRateGovernor } from './quickbooks/rate-governor';
import { INTUIT, type QuickBooksEndpoints } from './quickbooks/endpoints';
import { connectTemporalClient, connectWorker } from './temporal/connection';
import { startTemporalDevServer } from './temporal/dev-server';
import { EncryptionCodec, createDataConverter } from './temporal/payload-codec';
import { createWorker } from './temporal/worker';
import { installTemporalRuntime } from './temporal/runtime';
import { startEmulator } from '../emulators/quickbooks';

/**
 * `npm start`: everything on one machine with embedded defaults — PostgreSQL, a Temporal dev server with
 * its Web UI, the QuickBooks emulator (when no QuickBooks app is configured), the worker and the API.
 * In production (docker-compose.yml) the same entry point runs the API (ROLE=api) or a worker (ROLE=worker)
 * against real servers.
 */
async function main(): Promise<void> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'qbo-sync' });
  installTemporalRuntime(logger);
  const stack = new StopStack();
  onShutdownSignal(() => stack.stopAll(logger), logger);
  try {
    const urls = await start(env, logger, stack);
    const width = Math.max(...Object.keys(urls).map((k) => k.length));
    console.log(`\nm3ter → QuickBooks sync is running (${env.ROLE}):`);
    for (const [name, url] of Object.entries(urls)) console.log(`  ${name.padEnd(width)}  ${url}`);
    console.log('Ctrl-C stops everything.\n');
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    await stack.stopAll(logger);
    process.exit(1);
  }
}

export async function start(env: Env, logger: Logger, stack: StopStack): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const dataDir = path.resolve(env.DATA_DIR);
  const secrets = resolveSecrets({ ...env, DATA_DIR: dataDir });
  const secretBox = createSecretBox(secrets.encryptionKey);
  // Bill and customer data in Temporal are encrypted with a key derived from ENCRYPTION_KEY (client and workers alike).
  const dataConverter = createDataConverter(secrets.encryptionKey);

  // PostgreSQL
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_POSTGRES_PORT, persistent: true });
    stack.push('embedded PostgreSQL', () => pg.stop());
    databaseUrl = pg.url;
    urls['PostgreSQL (embedded)'] =
      `127.0.0.1:${env.EMBEDDED_POSTGRES_PORT} (data in ${path.join(dataDir, 'postgres')})`;
  }
  const db = createPool(databaseUrl);
  stack.push('database pool', () => db.end());
  const { applied } = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  // Temporal
  let temporalAddress = env.TEMPORAL_ADDRESS;
  let temporalUi = env.TEMPORAL_UI_URL;
  if (!temporalAddress) {
    const server = await startTemporalDevServer({
      cliPath: env.TEMPORAL_CLI_PATH,
      dbFilename: path.join(dataDir, 'temporal.sqlite'),
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
      // The Web UI decrypts payloads through the API's codec endpoint (browser → API).
      codecEndpoint: env.ROLE !== 'worker' ? `${publicBaseUrl(env)}/codec` : undefined,
    });
    stack.push('Temporal dev server', () => server.stop());
    temporalAddress = server.address;
    temporalUi ??= server.uiUrl;
    urls['Temporal (dev server)'] = `${temporalAddress} (CLI from ${server.cliSource})`;
  }
  if (temporalUi) urls['Temporal Web UI'] = temporalUi;

  // QuickBooks: the real one when an Intuit app is configured, else the bundled emulator.
  const endpoints = await quickBooksEndpoints(env, stack, urls);
  const connectorOptions = {
    db,
    secretBox,
    endpoints,
    logger,
    refreshSkewMs: env.QBO_TOKEN_REFRESH_SKEW_SECONDS * 1000,
    expiryWarningDays: env.QBO_EXPIRY_WARNING_DAYS,
  };
  const governor = new PgRateGovernor(db);

  if (env.ROLE !== 'api') {
    const mailer = env.SMTP_URL ? createSmtpMailer(env.SMTP_URL, env.MAIL_FROM) : undefined;
    if (mailer) stack.push('mailer', () => mailer.close());
    else logger.warn('SMTP_URL is not set: disablement e-mails are logged, not sent');
    const connection = await connectWorker(temporalAddress);
    stack.push('worker connection', () => connection.close());
    const worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundle: process.env.WORKFLOW_BUNDLE_PATH
        ? { codePath: process.env.WORKFLOW_BUNDLE_PATH }
        : undefined,
      dataConverter,
      activities: createActivities({
        db,
        logger,
        quickBooks: new QuickBooksConnector({ ...connectorOptions, governor }),
        endpoints,
        notifier: createDisabledNotifier({ db, mailer, logger, publicBaseUrl: publicBaseUrl(env) }),
      }),
    });
    const running = worker.run();
    stack.push('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    running.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
    urls.Worker = `task queue "${env.TEMPORAL_TASK_QUEUE}"`;
    // Credentials whose refresh token or 5-year cap runs out soon get a warning event (every worker checks; recorded once).
    const expiryWatch = startExpiryWatch({ db, logger, thresholdsDays: env.QBO_EXPIRY_WARNING_DAYS });
    stack.push('credential expiry watch', () => expiryWatch.stop());
  }

  if (env.ROLE !== 'worker') {
    const temporal = await connectTemporalClient(temporalAddress, env.TEMPORAL_NAMESPACE, { dataConverter });
    stack.push('Temporal client', () => temporal.close());
    const healthChecks: HealthCheck[] = [
      { name: 'database', check: async () => (await db.query('SELECT 1'), { ok: true }) },
      {
        name: 'temporal',
        check: async () => {
          await temporal.connection.workflowService.getSystemInfo({});
          return { ok: true, detail: temporalAddress };
        },
      },
      {
        name: 'quickbooks',
        check: async () => ({
          ok: true,
          detail: endpoints.apiBaseUrl.QuickBooks.startsWith('https://quickbooks.api.intuit.com')
            ? 'Intuit'
            : endpoints.apiBaseUrl.QuickBooks,
        }),
      },
    ];
    const syncDeps = { db, temporal: temporal.client, taskQueue: env.TEMPORAL_TASK_QUEUE, logger };
    const connectFlow = { db, secretBox, endpoints, logger };
    const codecOrigins = [...env.CODEC_ALLOWED_ORIGINS];
    // Under npm start the local dev server's Web UI may decode from the browser (it cannot send the API key).
    if (temporalUi && !env.TEMPORAL_UI_URL && env.NODE_ENV !== 'production') {
      const ui = new URL(temporalUi);
      codecOrigins.push(ui.origin, `${ui.protocol}//localhost:${ui.port}`);
    }
    const app = createApp({
      logger,
      adminApiKey: secrets.adminApiKey,
      maxBodyBytes: env.MAX_BODY_BYTES,
      healthChecks,
      publicRouters: [
        webhookRoutes(syncDeps, {
          secret: secrets.webhookSecret,
          apiKey: secrets.webhookApiKey,
          toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
          maxBodyBytes: env.MAX_BODY_BYTES,
        }),
        quickBooksCallbackRoutes(connectFlow),
        codecRoutes({
          codec: new EncryptionCodec(secrets.encryptionKey),
          adminApiKey: secrets.adminApiKey,
          allowedOrigins: codecOrigins,
          maxBodyBytes: Math.max(env.MAX_BODY_BYTES, 4 * 1_048_576),
          logger,
        }),
      ],
      adminRouters: [
        ...settingsRouters({ db, secretBox, logger }),
        quickBooksConnectRoutes(connectFlow),
        billSyncRoutes({
          ...syncDeps,
          connector: new QuickBooksConnector({ ...connectorOptions, governor }),
          temporalUiUrl: temporalUi,
          namespace: env.TEMPORAL_NAMESPACE,
        }),
      ],
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(env.API_PORT, env.API_HOST, () => resolve(s));
    });
    stack.push('API', () => new Promise<void>((resolve) => server.close(() => resolve())));
    urls.API = `http://${env.API_HOST}:${env.API_PORT}  (OpenAPI: /openapi.json, health: /health)`;
    urls.Webhook = `POST http://${env.API_HOST}:${env.API_PORT}/webhooks/m3ter`;
    urls['Connect QuickBooks'] =
      `GET ${publicBaseUrl(env)}/credentials/{id}/connect (API key; callback ${endpoints.redirectUri})`;
    urls['Temporal codec'] =
      `${publicBaseUrl(env)}/codec (payloads are encrypted; the Web UI decodes through it)`;
  }
  if (secrets.generated.length && env.NODE_ENV !== 'production') {
    urls['Dev secrets'] = `${path.join(dataDir, 'secrets')} (admin API key: admin-api.key)`;
  }
  return urls;
}

async function quickBooksEndpoints(
  env: Env,
  stack: StopStack,
  urls: Record<string, string>,
): Promise<QuickBooksEndpoints> {
  const redirectUri = env.QBO_REDIRECT_URI ?? `${publicBaseUrl(env)}/oauth/quickbooks/callback`;
  if (env.QBO_CLIENT_ID && env.QBO_CLIENT_SECRET && env.QBO_EMULATOR !== true) {
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
      clientId: env.QBO_CLIENT_ID,
      clientSecret: env.QBO_CLIENT_SECRET,
      redirectUri,
    };
  }
  // The emulator is a separate program; only the launcher and tests start it.
  const emulator = await startEmulator({ port: env.EMULATOR_PORT, host: '127.0.0.1' });
  stack.push('QuickBooks emulator', () => emulator.stop());
  urls['QuickBooks emulator'] = `${emulator.url} (no QBO_CLIENT_ID set)`;
  return emulatorEndpoints(emulator, redirectUri);
}

function publicBaseUrl(env: Env): string {
  return (
    env.PUBLIC_BASE_URL ?? `http://${env.API_HOST === '0.0.0.0' ? '127.0.0.1' : env.API_HOST}:${env.API_PORT}`
  );
}

if (require.main === module) void main();
