import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface StartedNpmStart {
  child: ChildProcess;
  ports: { api: number; temporal: number; ui: number; emulator: number; postgres: number; m3ter: number };
  /** Everything the process printed so far. */
  output(): string;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Runs `src/main.ts` (what `npm start` runs) as its own process with embedded defaults on free loopback ports,
 * and waits until it says it is running.
 */
export async function startNpmStart(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<StartedNpmStart> {
  const [api, temporal, ui, emulator, postgres, m3ter] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      API_PORT: String(api),
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      EMULATOR_PORT: String(emulator),
      EMBEDDED_POSTGRES_PORT: String(postgres),
      M3TER_EMULATOR_PORT: String(m3ter),
      M3TER_API_KEY: '',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      QBO_CLIENT_ID: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (Date.now() > deadline || child.exitCode !== null) assert.fail(`did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, ports: { api, temporal, ui, emulator, postgres, m3ter }, output: () => output };
}
