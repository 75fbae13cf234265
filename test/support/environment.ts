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
}

let shared: Shared | undefined;

export async function startSharedEnvironment(): Promise<void> {
  if (shared) return;
  const stops: Array<() => Promise<void>> = [];
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'qbo-sync-test-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const pgServer: EmbeddedPostgresHandle = await startEmbeddedPostgres({
      dataDir,
      port,
      persistent: false,
    });
    adminUrl = pgServer.url;
    stops.push(() => pgServer.stop());
  }
  const templateDb = `qbo_test_template_${process.pid}`;
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${templateDb}`);
  await adminQuery(adminUrl, `CREATE DATABASE ${templateDb}`);
  const templatePool = createPool(withDatabase(adminUrl, templateDb), 2);
  await migrate(templatePool);
  await templatePool.end();

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const server: DevServer = await startTemporalDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH });
    temporalAddress = server.address;
    stops.unshift(() => server.stop());
  }
  shared = {
    adminUrl,
    templateDb,
    temporalAddress,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    stop: async () => {
      for (const stop of stops) await stop().catch(() => undefined);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
