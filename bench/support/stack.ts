import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { startM3terEmulator, type RunningM3terEmulator } from '../../emulators/m3ter';
import type { Bill as EmulatedBill } from '../../emulators/m3ter/types';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../emulators/quickbooks';
import { signWebhook } from '../../src/api/webhook-signature';
import { insertCredential, storeCredentialTokens } from '../../src/db/repositories/credentials';
import type { Bill } from '../../src/domain/m3ter';
import { createSecretBox } from '../../src/platform/secret-box';
import { ACME_ACCOUNT } from '../../test/support/bills';
import { createTestDatabase, temporalAddress, type TestDatabase } from '../../test/support/environment';
import { PROJECT_ROOT, ServiceProcess, TSX_ENTRY } from './service-process';
import { statementCounter, type StatementCounter } from './statements';
import { startTokenProxy, type TokenProxy } from './token-proxy';

/**
 * The whole service as production runs it, on one machine: PostgreSQL and Temporal (the shared test
 * environment: embedded PostgreSQL + Temporal dev server, or DATABASE_URL / TEMPORAL_ADDRESS), the QuickBooks
 * emulator (in this process, so the run can read and steer it), the API (`ROLE=api`) and worker(s)
 * (`ROLE=worker`) as separate `src/main.ts` processes, with the workflow bundle prebuilt as in the image.
 */
export interface StackOptions {
  /** Where process logs (and the workflow bundle) go. */
  workDir: string;
  workers: number;
  /** Extra environment of every worker (e.g. WORKER_MAX_CONCURRENT_ACTIVITIES). */
  workerEnv?: Record<string, string>;
  emulator?: StartEmulatorOptions;
  /** LOG_LEVEL of the service processes (default warn). */
  logLevel?: string;
  /** Node arguments of the service processes (default: src/main.ts through tsx). */
  entry?: string[];
  /** The workers write V8 CPU profiles (`--cpu-prof`) here when they exit. */
  cpuProfileDir?: string;
}

export interface AccountSpec {
  id: string;
  name: string;
}

export interface RealmIntegration {
  realmId: string;
  integrationId: string;
  credentialId: string;
  accounts: AccountSpec[];
}

export interface WebhookResult {
  status: number;
  /** Send → 202 answer, in ms. */
  ms: number;
  /** Date.now() when the request was sent. */
  sentAt: number;
}

export interface Stack {
  emulator: RunningEmulator;
  /** The m3ter the service reads bills from; `sendBill` puts each bill there before its webhook. */
  m3ter: RunningM3terEmulator;
  tokenProxy: TokenProxy;
  database: TestDatabase;
  /** PostgreSQL statements sent by the service's processes (not by the bench). */
  statements: StatementCounter;
  apiUrl: string;
  api: ServiceProcess;
  workers: ServiceProcess[];
  taskQueue: string;
  /** Starts one more worker process (the stack's worker environment plus `env`). */
  addWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  /** A new emulator realm, a credential authorized on it, the accounts and an integration scoped to them. */
  connectRealm(accounts: AccountSpec[]): Promise<RealmIntegration>;
  /** POSTs a signed billing.bill.updated webhook for the bill. */
  /** A redelivery passes the same `eventId`, as m3ter does. */
  sendBill(bill: Bill, eventId?: string): Promise<WebhookResult>;
  adminRequest(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

const WEBHOOK_SECRET = `bench-webhook-secret-${randomBytes(8).toString('hex')}`;
const WEBHOOK_API_KEY = 'bench-webhook-key';

export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.workDir, { recursive: true });
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((err: unknown) => console.error('stop failed:', err));
  };
  try {
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    const statements = await statementCounter(database.db, database.url);
    const emulator = await startEmulator({ ...options.emulator, log: () => undefined });
    stops.push(() => emulator.stop());
    const m3ter = await startM3terEmulator({ log: () => undefined });
    stops.push(() => m3ter.stop());
    const tokenProxy = await startTokenProxy(emulator.oauth.tokenUrl);
    stops.push(() => tokenProxy.stop());
    const bundlePath = path.join(options.workDir, 'workflow-bundle.js');
    await bundleWorkflows(bundlePath, path.join(options.workDir, 'bundle.log'));

    const encryptionKey = randomBytes(32);
    const adminApiKey = randomBytes(24).toString('hex');
    const taskQueue = `bench-${randomUUID()}`;
    const apiPort = await freePort();
    const baseEnv: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: options.logLevel ?? 'warn',
      DATA_DIR: path.join(options.workDir, 'data'),
      DATABASE_URL: statements.serviceUrl,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      ENCRYPTION_KEY: encryptionKey.toString('base64'),
      ADMIN_API_KEY: adminApiKey,
      M3TER_WEBHOOK_SECRET: WEBHOOK_SECRET,
      M3TER_WEBHOOK_API_KEY: WEBHOOK_API_KEY,
      M3TER_BASE_URL: m3ter.url,
      M3TER_ORG_ID: m3ter.defaultOrgId,
      M3TER_API_KEY: m3ter.credentials.apiKey,
      M3TER_API_SECRET: m3ter.credentials.apiSecret,
      QBO_CLIENT_ID: emulator.oauth.clientId,
      QBO_CLIENT_SECRET: emulator.oauth.clientSecret,
      QBO_API_BASE_URL: emulator.v3BaseUrl,
      QBO_SANDBOX_API_BASE_URL: emulator.v3BaseUrl,
      QBO_APP_BASE_URL: emulator.url,
      QBO_AUTHORIZE_URL: emulator.oauth.authorizeUrl,
      QBO_TOKEN_URL: tokenProxy.url,
      QBO_REVOKE_URL: emulator.oauth.revokeUrl,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      // The bench sends thousands of webhooks from one address.
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
      // As the image sets it (Dockerfile): glibc's per-thread malloc arenas cost the worker ~40 MB RSS.
      MALLOC_ARENA_MAX: '2',
    };
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const api = new ServiceProcess(
      'api',
      { ...baseEnv, ROLE: 'api' },
      path.join(options.workDir, 'api.log'),
      options.entry,
    );
    const workers: ServiceProcess[] = [];
    stops.push(() => api.stop());
    stops.push(async () => {
      for (const w of workers) await w.stop();
    });
    const addWorker = async (env: Record<string, string> = {}) => {
      const n = workers.length + 1;
      const worker = new ServiceProcess(
        `worker-${n}`,
        { ...baseEnv, ...options.workerEnv, ...env, ROLE: 'worker' },
        path.join(options.workDir, `worker-${n}.log`),
        options.cpuProfileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, ...(options.entry ?? TSX_ENTRY)]
          : options.entry,
      );
      workers.push(worker);
      await worker.start();
      return worker;
    };
    // The API migrates the database first; then the workers start side by side.
    await api.start();
    await Promise.all(Array.from({ length: options.workers }, () => addWorker()));

    const secretBox = createSecretBox(encryptionKey);
    const db = database.db;
    const adminRequest = async (method: string, urlPath: string, body?: unknown) => {
      const res = await fetch(`${apiUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${adminApiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    };

    return {
      emulator,
      m3ter,
      statements,
      tokenProxy,
      database,
      apiUrl,
      api,
      workers,
      taskQueue,
      addWorker,
      adminRequest,
      async connectRealm(accounts) {
        const realmId = emulator.control.createRealm().realmId;
        const tokens = emulator.control.mintTokens(realmId);
        const credential = await insertCredential(db, {
          name: `bench realm ${realmId}`,
          destination: 'QuickBooks',
        });
        const now = Date.now();
        await storeCredentialTokens(db, secretBox, credential.id, {
          realmId,
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          accessTokenExpiresAt: new Date(now + tokens.expires_in * 1000).toISOString(),
          refreshTokenExpiresAt: new Date(now + tokens.x_refresh_token_expires_in * 1000).toISOString(),
          refreshTokenHardExpiresAt: null,
        });
        for (const account of accounts) {
          const res = await adminRequest('PUT', `/reference/accounts/${encodeURIComponent(account.id)}`, {
            ...ACME_ACCOUNT,
            id: account.id,
            code: account.id.toUpperCase(),
            name: account.name,
          });
          if (res.status >= 300)
            throw new Error(`put account ${account.id}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        const res = await adminRequest('POST', '/integrations', {
          name: `Bench ${realmId}`,
          destination: 'QuickBooks',
          credentialId: credential.id,
          accountIds: accounts.map((a) => a.id),
        });
        if (res.status !== 201)
          throw new Error(`create integration: ${res.status} ${JSON.stringify(res.body)}`);
        return {
          realmId,
          integrationId: (res.body as { id: string }).id,
          credentialId: credential.id,
          accounts,
        };
      },
      async sendBill(bill, eventId = randomUUID()) {
        // m3ter's current version of the bill is what the service reads; the webhook only says "look again".
        m3ter.control.putBill(m3ter.defaultOrgId, JSON.parse(JSON.stringify(bill)) as EmulatedBill);
        const body = JSON.stringify({
          id: eventId,
          eventName: 'billing.bill.updated',
          eventTime: new Date().toISOString(),
          m3terEvent: { eventData: { newDto: bill } },
        });
        const timestamp = Math.floor(Date.now() / 1000);
        const signature = signWebhook(WEBHOOK_SECRET, {
          path: '/webhooks/m3ter',
          apiKey: WEBHOOK_API_KEY,
          timestamp,
          body,
        });
        const sentAt = Date.now();
        const started = performance.now();
        const res = await fetch(`${apiUrl}/webhooks/m3ter`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-m3ter-apikey': WEBHOOK_API_KEY,
            'x-m3ter-timestamp': String(timestamp),
            'x-m3ter-signature': signature,
          },
          body,
          signal: AbortSignal.timeout(60_000),
        });
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - started, sentAt };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Prebuilds the workflow bundle the way the image does (scripts/bundle-workflows.ts). */
async function bundleWorkflows(out: string, logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bundle-workflows.ts', out], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  await new Promise<void>((resolve) => log.end(() => resolve()));
  if (code !== 0) throw new Error(`bundling the workflows failed (exit ${code}); see ${logFile}`);
}

/** A free loopback port (there is a small race until the API binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
