/**
 * A bill-sync worker in a process of its own (concurrency and crash tests): the product's worker, activities and
 * QuickBooks connector on their own Temporal connection and database pool. Started as
 *
 *   node --import tsx test/support/worker-process.ts
 *
 * with its configuration in the environment (below). Logs JSON lines (pino) to stdout; prints WORKER_READY
 * once polling; stops cleanly on SIGTERM.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { M3terClient, type M3terClientConfig } from '../../src/m3ter/client';
import { createReferenceCache } from '../../src/settings/reference-cache';
import { createDisabledNotifier } from '../../src/bill-sync/disabled-notifier';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/platform/logger';
import { createSecretBox } from '../../src/platform/secret-box';
import { QuickBooksConnector } from '../../src/quickbooks/connector';
import type { QuickBooksEndpoints } from '../../src/quickbooks/endpoints';
import { PgRateGovernor } from '../../src/quickbooks/rate-governor';
import { createBatchWriter } from '../../src/quickbooks/batch-writer';
import { temporalSyncRequester } from '../../src/temporal/bill-sync-starter';
import { connectTemporalClient, connectWorker } from '../../src/temporal/connection';
import { temporalSweepScheduler } from '../../src/temporal/sweep-scheduler';
import { createDataConverter } from '../../src/temporal/payload-codec';
import { createWorker } from '../../src/temporal/worker';

export interface WorkerProcessEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TASK_QUEUE: string;
  /** base64, 32 bytes: the secret box's and the payload codec's key. */
  ENCRYPTION_KEY: string;
  ENCRYPT_PAYLOADS: 'true' | 'false';
  QBO_ENDPOINTS_JSON: string;
  /** `false`: one request per write (default: batched writes for a backlog, as deployed). */
  BATCH_WRITES?: 'true' | 'false';
  M3TER_CONFIG_JSON?: string;
  WORKFLOW_BUNDLE_PATH: string;
  REFRESH_SKEW_MS: string;
}

function required(name: keyof WorkerProcessEnv): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const logger = createLogger({ level: 'info', name: 'worker-process' });
  const key = Buffer.from(required('ENCRYPTION_KEY'), 'base64');
  const db = createPool(required('DATABASE_URL'), 10);
  const endpoints = JSON.parse(required('QBO_ENDPOINTS_JSON')) as QuickBooksEndpoints;
  // The m3ter the harness's service reads bills from (absent: it runs from webhook bodies).
  const m3ter = process.env.M3TER_CONFIG_JSON
    ? new M3terClient(JSON.parse(process.env.M3TER_CONFIG_JSON) as M3terClientConfig)
    : undefined;
  const connection = await connectWorker(required('TEMPORAL_ADDRESS'));
  const dataConverter = process.env.ENCRYPT_PAYLOADS === 'true' ? createDataConverter(key) : undefined;
  const taskQueue = required('TASK_QUEUE');
  // Backfills and sweeps ask for bill syncs through a client, as in the service's worker.
  const temporal = await connectTemporalClient(required('TEMPORAL_ADDRESS'), required('TEMPORAL_NAMESPACE'), {
    dataConverter,
  });
  const worker = await createWorker({
    connection,
    namespace: required('TEMPORAL_NAMESPACE'),
    taskQueue,
    workflowBundle: { codePath: required('WORKFLOW_BUNDLE_PATH') },
    dataConverter,
    activities: createActivities({
      db,
      m3ter,
      reference: createReferenceCache({ db, m3ter, ttlMs: 60 * 60_000, logger }),
      logger,
      quickBooks: new QuickBooksConnector({
        db,
        secretBox: createSecretBox(key),
        endpoints,
        logger,
        governor: new PgRateGovernor(db),
        refreshSkewMs: Number(required('REFRESH_SKEW_MS')),
      }),
      endpoints,
      notifier: createDisabledNotifier({ db, mailer: undefined, logger, publicBaseUrl: 'http://127.0.0.1' }),
      syncs: temporalSyncRequester(temporal.client, taskQueue),
      sweeps: m3ter && temporalSweepScheduler(temporal.client, taskQueue),
      // As deployed: batched writes for a company with a backlog.
      documentWriter:
        process.env.BATCH_WRITES === 'false' ? undefined : createBatchWriter(db, { batchesPerMinute: 40 }),
      throttleWaitMs: Number(process.env.THROTTLE_WAIT_MS ?? 300),
    }),
  });
  const running = worker.run();
  process.on('SIGTERM', () => worker.shutdown());
  process.stdout.write('WORKER_READY\n');
  await running;
  await temporal.close();
  await connection.close();
  await db.end();
}

// Only as a program: mocha, given the folder, loads this file too.
if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
