/**
 * In-process m3ter emulator for tests and benchmarks:
 *
 *   const m3ter = await startM3terEmulator();
 *   // client: baseUrl m3ter.url, orgId m3ter.defaultOrgId, m3ter.credentials.apiKey / apiSecret
 *   m3ter.control.createAccount(m3ter.defaultOrgId, { code: 'acme', name: 'Acme' });
 *   ...
 *   await m3ter.stop();
 *
 * A separate program: it imports nothing from src/, and product code never imports it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { M3terEmulatorControl } from './control';
import { createM3terEmulatorApp, type EmulatorLog } from './server';
import { EmulatorState, type M3terEmulatorOptions } from './state';

export interface RunningM3terEmulator {
  /** e.g. http://127.0.0.1:41234 — the API base URL (`/oauth/token`, `/organizations/{orgId}/…`). */
  url: string;
  host: string;
  port: number;
  tokenUrl: string;
  /** The organization that exists from the start. */
  defaultOrgId: string;
  /** The default organization's API key and secret. */
  credentials: { apiKey: string; apiSecret: string };
  /** Typed access to the state and switches (the same as /_emulator over HTTP). */
  control: M3terEmulatorControl;
  /** Stops deliveries, closes the server and every open connection. */
  stop(): Promise<void>;
}

export interface StartM3terEmulatorOptions extends M3terEmulatorOptions {
  /** Unexpected errors inside the emulator (default: console.error). */
  log?: EmulatorLog;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startM3terEmulator(
  options: StartM3terEmulatorOptions = {},
): Promise<RunningM3terEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new RangeError(`The emulator only listens on loopback addresses, not ${host}`);
  const state = new EmulatorState(options);
  const control = new M3terEmulatorControl(state);
  const log: EmulatorLog = options.log ?? ((message, error) => console.error(message, error));
  const server: Server = createServer(createM3terEmulatorApp(state, control, log));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    tokenUrl: `${url}/oauth/token`,
    defaultOrgId: state.defaultOrgId,
    credentials: { ...state.defaultCredentials },
    control,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        state.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

export { startM3terEmulator as startEmulator };
export { M3terEmulatorControl, EMULATED_EVENT_NAMES } from './control';
export { M3terEmulatorControlClient, M3terEmulatorControlError } from './control-client';
export { SIGNATURE_HEADERS, signDelivery } from './signing';
export { DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_ORG_ID, type M3terEmulatorOptions } from './state';
export { DEFAULT_DELIVERY_SETTINGS } from './delivery';
export { DEFAULT_TOKEN_TTL_SECONDS } from './auth';
export * from './types';
