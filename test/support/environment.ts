import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/db/embedded-postgres';
import { createPool, type Db } from '../../src/db/pool';
import { migrate } from '../../src/db/migrate';
import { startTemporalDevServer, type DevServer } from '../../src/temporal/dev-server';

/**
 * One real PostgreSQL and one real Temporal dev server for the whole mocha run, started by the root hooks
 * (test/setup/root-hooks.ts). DATABASE_URL / TEMPORAL_ADDRESS point the suite at servers that already run.
 */
interface Shared {
  adminUrl: string;
  templateDb: string;
  temporalAddress: string;
  namespace: string;
  stop(): Promise<void>;
  /** Present when started `restartable` (and the servers are our own): stop a server, wait, start it again. */
  restart?: Record<InfrastructureServer, (downMs: number) => Promise<void>>;
}

export type InfrastructureServer = 'postgres' | 'temporal';

let shared: Shared | undefined;

export async function startSharedEnvironment(
  options: {
    postgresSettings?: Record<string, string>;
    /**
     * Keep both servers' data on disk and their ports fixed, so the chaos run can restart them mid-run
     * (restartSharedServer); otherwise PostgreSQL's data is thrown away and Temporal's is in memory.
     */
    restartable?: boolean;
  } = {},
): Promise<void> {
  if (shared) return;
  const stops: Array<() => Promise<void>> = [];
  // Server data and logs; removed when the environment stops (or fails to start).
  const workDir = mkdtempSync(path.join(tmpdir(), 'qbo-sync-test-'));
  const cleanUp = async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  };
  const restart: Partial<Record<InfrastructureServer, (downMs: number) => Promise<void>>> = {};
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      // No port given: one the OS assigns, and another if a concurrent process takes it first.
      const pgOptions = {
        dataDir: workDir,
        persistent: options.restartable === true,
        settings: options.postgresSettings,
      };
      let pgServer: EmbeddedPostgresHandle = await startEmbeddedPostgres(pgOptions);
      adminUrl = pgServer.url;
      stops.push(() => pgServer.stop());
      if (options.restartable) {
        const { port } = pgServer;
        restart.postgres = async (downMs) => {
          await pgServer.stop();
          await new Promise((r) => setTimeout(r, downMs));
          pgServer = await startEmbeddedPostgres({ ...pgOptions, port });
        };
      }
    }
    const templateDb = `qbo_test_template_${process.pid}`;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${templateDb}`);
    await adminQuery(adminUrl, `CREATE DATABASE ${templateDb}`);
    const templatePool = createPool(withDatabase(adminUrl, templateDb), 2);
    try {
      await migrate(templatePool);
    } finally {
      await templatePool.end();
    }

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const devOptions = {
        cliPath: process.env.TEMPORAL_CLI_PATH,
        // The server's log stays out of the test output (a killed worker's cancelled polls are logged as
        // ERROR "context canceled" on a passing run); TEMPORAL_LOG_LEVEL=debug shows it inline.
        logFile: process.env.TEMPORAL_LOG_LEVEL === 'debug' ? undefined : path.join(workDir, 'temporal.log'),
        dbFilename: options.restartable ? path.join(workDir, 'temporal.sqlite') : undefined,
      };
      let server: DevServer = await startTemporalDevServer(devOptions);
      temporalAddress = server.address;
      stops.unshift(() => server.stop());
      if (options.restartable) {
        const port = Number(server.address.split(':').pop());
        restart.temporal = async (downMs) => {
          await server.stop();
          await new Promise((r) => setTimeout(r, downMs));
          server = await startTemporalDevServer({ ...devOptions, port });
        };
      }
    }
    shared = {
      adminUrl,
      templateDb,
      temporalAddress,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      stop: cleanUp,
      restart:
        restart.postgres && restart.temporal
          ? { postgres: restart.postgres, temporal: restart.temporal }
          : undefined,
    };
  } catch (err) {
    await cleanUp();
    throw new Error(`The shared test environment did not start: ${describeError(err)}`, { cause: err });
  }
}

/** An Error's message, or words for a rejection without one (never "undefined"). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined || err === null || err === '' ? 'failed without a reason' : String(err);
}

/** Stops one of the shared servers, waits `downMs`, starts it again on the same port with the same data. */
export async function restartSharedServer(which: InfrastructureServer, downMs: number): Promise<void> {
  const restart = env().restart;
  if (!restart) throw new Error('the shared environment was not started restartable with its own servers');
  await restart[which](downMs);
}

export async function stopSharedEnvironment(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.stop();
}

function env(): Shared {
  if (!shared) throw new Error('The shared test environment is not running (test/setup/root-hooks.ts)');
  return shared;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A new, fully migrated database of its own (copied from a template), for one test file or test. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, templateDb } = env();
  const name = `qbo_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${templateDb}`);
  const url = withDatabase(adminUrl, name);
  const db = createPool(url, 10);
  return {
    url,
    db,
    drop: async () => {
      await db.end();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export function temporalAddress(): string {
  return env().temporalAddress;
}

export function temporalNamespace(): string {
  return env().namespace;
}

export async function connectTemporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection, namespace: temporalNamespace() }),
    close: () => connection.close(),
  };
}

export async function connectWorkerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}

/** A task queue no other test uses, so workers of different tests never pick up each other's work. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}
