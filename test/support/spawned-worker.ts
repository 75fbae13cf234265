import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { temporalAddress, temporalNamespace } from './environment';
import type { SyncHarness } from './sync-harness';
import type { WorkerProcessEnv } from './worker-process';

const ROOT = path.resolve(__dirname, '..', '..');

export interface SpawnedWorker {
  child: ChildProcess;
  pid: number;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts test/support/worker-process.ts as a separate OS process and waits until it polls. */
export async function spawnWorker(
  h: SyncHarness,
  bundlePath: string,
  options: { refreshSkewMs?: number; batchWrites?: boolean } = {},
): Promise<SpawnedWorker> {
  const env: WorkerProcessEnv = {
    DATABASE_URL: h.database.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TASK_QUEUE: h.taskQueue,
    ENCRYPTION_KEY: h.encryptionKey.toString('base64'),
    ENCRYPT_PAYLOADS: h.dataConverter ? 'true' : 'false',
    QBO_ENDPOINTS_JSON: JSON.stringify(h.endpoints),
    M3TER_CONFIG_JSON: h.m3terClient
      ? JSON.stringify({ baseUrl: h.m3ter.url, orgId: h.m3ter.defaultOrgId, ...h.m3ter.credentials })
      : undefined,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    REFRESH_SKEW_MS: String(options.refreshSkewMs ?? 60_000),
    BATCH_WRITES: options.batchWrites === false ? 'false' : 'true',
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join('test', 'support', 'worker-process.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker process did not start: ${stderr}`)), 90_000);
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'WORKER_READY') {
          clearTimeout(timer);
          resolve();
        } else logs.push(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker process exited (${code}): ${stderr}`));
    });
  });
  assert.ok(child.pid);
  return {
    child,
    pid: child.pid,
    logs,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
