import { quickBooksWebhookRoutes } from '../../src/api/routes/quickbooks-webhook.routes';
import { reconciliationRoutes } from '../../src/api/routes/reconciliation.routes';
import type { QuickBooksChangesOutcome } from '../../src/bill-sync/quickbooks-notifications';
import { temporalReconciliationStarter } from '../../src/temporal/reconciliation-starter';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { startM3terEmulator, type RunningM3terEmulator } from '../../emulators/m3ter';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { startEmulator, type RunningEmulator } from '../../emulators/quickbooks';
import { M3terClient } from '../../src/m3ter/client';
import { createReferenceCache, type ReferenceCache } from '../../src/settings/reference-cache';
import { createActivities } from '../../src/activities';
import { emulatorEndpoints } from '../../src/bootstrap/emulator-endpoints';
import { createDisabledNotifier } from '../../src/bill-sync/disabled-notifier';
import { temporalBackfillStarter } from '../../src/temporal/backfill-starter';
import { temporalSyncRequester } from '../../src/temporal/bill-sync-starter';
import { temporalSweepScheduler } from '../../src/temporal/sweep-scheduler';
import type { SweepScheduler } from '../../src/bill-sync/sweep';
import { sweepSchedulesFollow } from '../../src/bill-sync/sweep';
import { backfillRoutes } from '../../src/api/routes/backfill.routes';
import { m3terRoutes } from '../../src/api/routes/m3ter.routes';
import { webhookKeyring } from '../../src/settings/m3ter-connection';
import type { SyncRequester } from '../../src/bill-sync/sync-requester';
import { billSyncRoutes } from '../../src/api/routes/bill-sync.routes';
import {
  CALLBACK_PATH,
  quickBooksCallbackRoutes,
  quickBooksConnectRoutes,
} from '../../src/api/routes/oauth.routes';
import { webhookRoutes } from '../../src/api/routes/webhooks.routes';
import { signWebhook } from '../../src/api/webhook-signature';
import { insertCredential, storeCredentialTokens } from '../../src/db/repositories/credentials';
import { listRuns, type IntegrationRun } from '../../src/db/repositories/runs.repository';
import { storeBill } from '../../src/db/repositories/bills.repository';
import type { Bill } from '../../src/domain/m3ter';
import { createLogger, type Logger } from '../../src/platform/logger';
import { createSmtpMailer } from '../../src/platform/mailer';
import { createSecretBox, type SecretBox } from '../../src/platform/secret-box';
import { QuickBooksConnector, type QuickBooksConnectorOptions } from '../../src/quickbooks/connector';
import { PgRateGovernor, type GovernorOptions } from '../../src/quickbooks/rate-governor';
import { createBatchWriter } from '../../src/quickbooks/batch-writer';
import type { QuickBooksEndpoints } from '../../src/quickbooks/endpoints';
import { createDataConverter } from '../../src/temporal/payload-codec';
import { createWorker } from '../../src/temporal/worker';
import type { BillSyncResult } from '../../src/workflows/bill-sync.workflow';
import { startApi, type ApiHarness } from './api-harness';
import {
  connectTemporalClient,
  connectWorkerConnection,
  createTestDatabase,
  temporalAddress,
  temporalNamespace,
  type TestDatabase,
  uniqueTaskQueue,
} from './environment';
import { startSmtpServer, type ReceivedMail } from './smtp';
import { workflowBundle } from './workflow-bundle';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';
export const WEBHOOK_API_KEY = 'test-webhook-key';
/** The verifier token of the QuickBooks webhook (`intuit-signature`). */
export const QBO_VERIFIER_TOKEN = 'test-intuit-verifier-token';

/**
 * Everything a bill-sync test needs, all real: a migrated PostgreSQL database of its own, the QuickBooks
 * emulator over HTTP, the product's worker on the shared Temporal dev server (its own task queue), the API
 * with the webhook and sync routes, and an SMTP server.
 */
export interface SyncHarness {
  database: TestDatabase;
  emulator: RunningEmulator;
  /** The m3ter emulator the service reads bills and reference data from (billSource 'm3ter'). */
  m3ter: RunningM3terEmulator;
  /** The product's m3ter client (undefined with billSource 'webhook'). */
  m3terClient: M3terClient | undefined;
  reference: ReferenceCache;
  api: ApiHarness;
  temporal: Client;
  taskQueue: string;
  /** The product's way of asking for a bill's sync (signal-with-start on the harness's task queue). */
  syncs: SyncRequester;
  /** The sweeps' Temporal Schedules (undefined with billSource 'webhook'). */
  sweeps: SweepScheduler | undefined;
  secretBox: SecretBox;
  /** The key of `secretBox` (and of the payload codec when `encryptPayloads`). */
  encryptionKey: Buffer;
  /** The payload codec's data converter when `encryptPayloads`, used by the client and every worker. */
  dataConverter?: DataConverter;
  /** The QuickBooks connector options every worker uses (for a worker in another process). */
  connectorOptions: Partial<QuickBooksConnectorOptions>;
  endpoints: QuickBooksEndpoints;
  mail: ReceivedMail[];
  /** What each QuickBooks webhook's processing (after its 200) did, in order. */
  quickBooksNotifications: QuickBooksChangesOutcome[];
  /** Starts (another) worker process-equivalent on the task queue. */
  startWorker(options?: { shutdownGraceTime?: string }): Promise<Worker>;
  stopWorkers(): Promise<void>;
  /** A credential authorized against an emulator realm (tokens minted by the emulator). */
  connectCredential(realmId?: string): Promise<{ credentialId: string; realmId: string }>;
  /** Creates an integration over the API, connected to a fresh emulator realm unless told otherwise. */
  createIntegration(
    settings?: Record<string, unknown>,
    options?: { realmId?: string; credentialId?: string | null },
  ): Promise<{ id: string; realmId: string; credentialId: string | null }>;
  putAccount(account: Record<string, unknown>): Promise<void>;
  /** Makes `bill` the current bill where the service reads it: m3ter (the emulator), or our store (webhook mode). */
  putBill(bill: Bill): Promise<void>;
  /** POSTs a signed webhook; returns status and body. */
  sendWebhook(
    event: unknown,
    options?: { secret?: string; timestamp?: number; apiKey?: string; rawBody?: string },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  billEvent(
    bill: Partial<Bill> & { id: string },
    eventName?: string,
    eventId?: string,
  ): Record<string, unknown>;
  /** Waits for the bill's workflow to complete and returns its result. */
  waitForSync(integrationId: string, billId: string): Promise<BillSyncResult>;
  runs(filter: { integrationId?: string; billId?: string }): Promise<IntegrationRun[]>;
  stop(): Promise<void>;
}

export interface SyncHarnessOptions {
  workers?: number;
  emulatorOptions?: Parameters<typeof startEmulator>[0];
  /** Encrypt Temporal payloads with the product's codec (client and workers). */
  encryptPayloads?: boolean;
  /** Default: a random key. */
  encryptionKey?: Buffer;
  /** Default: silent (TEST_LOG_LEVEL). */
  logger?: Logger;
  /** More QuickBooks connector options for every worker (e.g. a small refresh skew). */
  connector?: Partial<
    Pick<QuickBooksConnectorOptions, 'refreshSkewMs' | 'expiryWarningDays' | 'lockTimeoutMs' | 'now'>
  >;
  /** The per-realm rate governor's limits in every worker (default: QuickBooks'). */
  governor?: GovernorOptions;
  /**
   * Workers whose QuickBooks steps retry fast and give up after 2 attempts (a workflow interceptor in the
   * test bundle), to see retries run out in seconds instead of minutes.
   */
  shortQuickBooksRetries?: boolean;
  /** The API key the webhook accepts (default WEBHOOK_API_KEY). */
  webhookApiKey?: string;
  /** M3TER_WEBHOOK_VERIFY (default enforce) and WEBHOOK_RATE_LIMIT_PER_MINUTE (default 6000). */
  webhookVerify?: 'enforce' | 'log-only' | 'off';
  webhookRateLimitPerMinute?: number;
  /** Serve the built console at /console (test/console). */
  consoleDir?: string;
  /**
   * 'm3ter' (default, the product's default): the service reads bills from the m3ter emulator and a webhook
   * is a trigger — `billEvent` puts the bill into the emulator as m3ter's current version first. 'webhook':
   * the service runs from webhook bodies.
   */
  billSource?: 'm3ter' | 'webhook';
  /**
   * Batched writes for a company with a backlog, as deployed (default on, QuickBooks' budget: 40 batches a
   * minute, 30 writes each); `false`: one request per write.
   */
  batchWrites?: false | { requestsPerMinute?: number; maxItems?: number };
  /** How long a step waits after QuickBooks answered 429 (default 300 ms here; 15 s deployed). */
  throttleWaitMs?: number;
}

export async function startSyncHarness(options: SyncHarnessOptions = {}): Promise<SyncHarness> {
  const database = await createTestDatabase();
  const emulator = await startEmulator({ ...options.emulatorOptions });
  const m3ter = await startM3terEmulator();
  const m3terClient =
    (options.billSource ?? 'm3ter') === 'm3ter'
      ? new M3terClient({ baseUrl: m3ter.url, orgId: m3ter.defaultOrgId, ...m3ter.credentials })
      : undefined;
  const smtp = await startSmtpServer();
  const encryptionKey = options.encryptionKey ?? randomBytes(32);
  const secretBox = createSecretBox(encryptionKey);
  const logger = options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const quickBooksNotifications: QuickBooksChangesOutcome[] = [];
  const taskQueue = uniqueTaskQueue('bill-sync');
  const dataConverter = options.encryptPayloads ? createDataConverter(encryptionKey) : undefined;
  const temporal = dataConverter
    ? await connectEncryptingClient(dataConverter)
    : await connectTemporalClient();
  const endpoints: QuickBooksEndpoints = emulatorEndpoints(
    emulator,
    'http://127.0.0.1/oauth/quickbooks/callback',
  );
  const db = database.db;
  const connectorOptions = { logger, ...options.connector };
  const connectFlow = { db, secretBox, endpoints, logger };
  const mailer = createSmtpMailer(smtp.url, 'QuickBooks sync <sync@example.test>');
  const syncs = temporalSyncRequester(temporal.client, taskQueue, 'http://127.0.0.1/console');
  const sweeps = m3terClient && temporalSweepScheduler(temporal.client, taskQueue);
  const reference = createReferenceCache({ db, m3ter: m3terClient, ttlMs: 60 * 60_000, logger });
  // Its webhook URL is known once the API listens.
  const m3terConnection = { db, m3ter: m3terClient, secretBox, webhookUrl: '' };
  const api = await startApi({
    db,
    secretBox,
    logger,
    consoleDir: options.consoleDir,
    settings: { reference, integrationListener: sweeps && sweepSchedulesFollow(sweeps, logger) },
    publicRouters: [
      quickBooksWebhookRoutes(
        {
          db,
          logger,
          connector: new QuickBooksConnector({
            db,
            secretBox,
            endpoints,
            governor: new PgRateGovernor(db),
            ...connectorOptions,
          }),
          onProcessed: (outcome) => quickBooksNotifications.push(outcome),
        },
        { verifierToken: QBO_VERIFIER_TOKEN, maxBodyBytes: 1_048_576 },
      ),
      webhookRoutes(
        { db, syncs, logger, m3ter: m3terClient, reference },
        {
          secret: WEBHOOK_SECRET,
          apiKey: options.webhookApiKey ?? WEBHOOK_API_KEY,
          toleranceSeconds: 300,
          maxBodyBytes: 1_048_576,
          verify: options.webhookVerify,
          rateLimitPerMinute: options.webhookRateLimitPerMinute,
          // The destinations m3ter:connect made are verified with their own credentials.
          keyring: webhookKeyring({
            db,
            secretBox,
            configured: { secret: WEBHOOK_SECRET, apiKey: options.webhookApiKey ?? WEBHOOK_API_KEY },
          }),
        },
      ),
      quickBooksCallbackRoutes(connectFlow),
    ],
    adminRouters: [
      quickBooksConnectRoutes(connectFlow),
      billSyncRoutes({
        db,
        syncs,
        m3ter: m3terClient,
        reference,
        connector: new QuickBooksConnector({
          db,
          secretBox,
          endpoints,
          governor: new PgRateGovernor(db),
          ...connectorOptions,
        }),
        links: { temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' },
      }),
      m3terRoutes(m3terConnection),
      reconciliationRoutes({
        db,
        m3ter: m3terClient,
        reconciliations: temporalReconciliationStarter(temporal.client, taskQueue),
        syncs,
        connector: new QuickBooksConnector({
          db,
          secretBox,
          endpoints,
          governor: new PgRateGovernor(db),
          ...connectorOptions,
        }),
      }),
      backfillRoutes({
        db,
        m3ter: m3terClient,
        backfills: temporalBackfillStarter(temporal.client, taskQueue),
        sweeps,
      }),
    ],
  });
  // Intuit sends the browser back to the API's callback (the emulator's authorize endpoint redirects there).
  endpoints.redirectUri = `${api.baseUrl}${CALLBACK_PATH}`;
  m3terConnection.webhookUrl = `${api.baseUrl}/webhooks/m3ter`;

  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];
  const startWorker = async (workerOptions: { shutdownGraceTime?: string } = {}): Promise<Worker> => {
    const connection = await connectWorkerConnection();
    const worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue,
      shutdownGraceTime: workerOptions.shutdownGraceTime,
      workflowBundle: await workflowBundle({ shortQuickBooksRetries: options.shortQuickBooksRetries }),
      dataConverter,
      activities: createActivities({
        db,
        m3ter: m3terClient,
        reference,
        logger,
        quickBooks: new QuickBooksConnector({
          db,
          secretBox,
          endpoints,
          governor: new PgRateGovernor(db, options.governor),
          ...connectorOptions,
        }),
        endpoints,
        notifier: createDisabledNotifier({ db, mailer, logger, publicBaseUrl: api.baseUrl, reference }),
        syncs,
        sweeps,
        documentWriter:
          options.batchWrites === false
            ? undefined
            : createBatchWriter(db, {
                batchesPerMinute: options.batchWrites?.requestsPerMinute ?? 40,
                maxItems: options.batchWrites?.maxItems,
              }),
        throttleWaitMs: options.throttleWaitMs ?? 300,
      }),
    });
    const running = worker.run();
    workers.push({ worker, running, connection });
    return worker;
  };
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running.catch(() => undefined);
      await w.connection.close();
    }
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await startWorker();

  const harness: SyncHarness = {
    database,
    emulator,
    m3ter,
    m3terClient,
    reference,
    api,
    temporal: temporal.client,
    taskQueue,
    syncs,
    sweeps,
    secretBox,
    encryptionKey,
    dataConverter,
    connectorOptions,
    endpoints,
    mail: smtp.messages,
    quickBooksNotifications,
    startWorker,
    stopWorkers,
    async connectCredential(realmId) {
      const realm = realmId ?? emulator.control.createRealm().realmId;
      const tokens = emulator.control.mintTokens(realm);
      const credential = await insertCredential(db, { name: `realm ${realm}`, destination: 'QuickBooks' });
      const now = Date.now();
      await storeCredentialTokens(db, secretBox, credential.id, {
        realmId: realm,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        accessTokenExpiresAt: new Date(now + tokens.expires_in * 1000).toISOString(),
        refreshTokenExpiresAt: new Date(now + tokens.x_refresh_token_expires_in * 1000).toISOString(),
        refreshTokenHardExpiresAt: null,
      });
      return { credentialId: credential.id, realmId: realm };
    },
    async createIntegration(settings = {}, opts = {}) {
      let credentialId = opts.credentialId;
      let realmId = opts.realmId ?? '';
      if (credentialId === undefined)
        ({ credentialId, realmId } = await harness.connectCredential(opts.realmId));
      const res = await api.request<{ id: string }>('POST', '/integrations', {
        name: `QuickBooks ${randomUUID().slice(0, 8)}`,
        destination: 'QuickBooks',
        credentialId,
        ...settings,
      });
      if (res.status !== 201) throw new Error(`create integration: ${res.status} ${res.text}`);
      return { id: res.body.id, realmId, credentialId };
    },
    async putAccount(account) {
      const res = await api.request(
        'PUT',
        `/reference/accounts/${encodeURIComponent(String(account.id))}`,
        account,
      );
      if (res.status >= 300) throw new Error(`put account: ${res.status} ${res.text}`);
    },
    async sendWebhook(event, o = {}) {
      const body = o.rawBody ?? JSON.stringify(event);
      const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
      const apiKey = o.apiKey ?? WEBHOOK_API_KEY;
      const signature = signWebhook(o.secret ?? WEBHOOK_SECRET, {
        path: '/webhooks/m3ter',
        apiKey,
        timestamp,
        body,
      });
      const res = await fetch(`${api.baseUrl}/webhooks/m3ter`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-m3ter-apikey': apiKey,
          'x-m3ter-timestamp': String(timestamp),
          'x-m3ter-signature': signature,
        },
        body,
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async putBill(bill) {
      if (m3terClient)
        m3ter.control.putBill(m3ter.defaultOrgId, JSON.parse(JSON.stringify(bill)) as EmulatedBill);
      else await storeBill(db, bill);
    },
    billEvent(bill, eventName = 'billing.bill.updated', eventId = randomUUID()) {
      // m3ter's current version of the bill is what the event is about (the service reads it there).
      if (m3terClient && !eventName.endsWith('.deleted'))
        m3ter.control.putBill(m3ter.defaultOrgId, JSON.parse(JSON.stringify(bill)) as EmulatedBill);
      return {
        id: eventId,
        eventName,
        eventTime: new Date().toISOString(),
        m3terEvent: { eventData: { newDto: bill } },
      };
    },
    async waitForSync(integrationId, billId) {
      const handle = temporal.client.workflow.getHandle(`bill-sync/${integrationId}/${billId}`);
      return (await handle.result()) as BillSyncResult;
    },
    runs: (filter) => listRuns(db, filter),
    async stop() {
      await stopWorkers();
      await api.close();
      mailer.close();
      await smtp.stop();
      await emulator.stop();
      await m3ter.stop();
      await temporal.close();
      await database.drop();
    },
  };
  return harness;
}

async function connectEncryptingClient(
  dataConverter: DataConverter,
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection, namespace: temporalNamespace(), dataConverter }),
    close: () => connection.close(),
  };
}
