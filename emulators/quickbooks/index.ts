/**
 * In-process QuickBooks Online emulator for tests and benchmarks:
 *
 *   const emulator = await startEmulator();
 *   QuickBooks.V3_ENDPOINT_BASE_URL = emulator.v3BaseUrl;
 *   const { access_token, refresh_token } = emulator.control.mintTokens(emulator.defaultRealmId);
 *   ...
 *   await emulator.stop();
 *
 * Product code never imports this folder.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EmulatorControl } from './control';
import { DEFAULT_CLIENT } from './oauth';
import { OAUTH_PATHS } from './oauth-routes';
import { createEmulatorApp, type EmulatorLog } from './server';
import { EmulatorState, type EmulatorOptions } from './state';

export interface EmulatorOAuthEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  userInfoUrl: string;
  /** The first registered client (the default one unless `clients` was given). */
  clientId: string;
  clientSecret: string;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  host: string;
  port: number;
  /** `${url}/v3/company/` — with the trailing slash node-quickbooks needs. */
  v3BaseUrl: string;
  oauth: EmulatorOAuthEndpoints;
  /** The realm the authorize endpoint uses when none is named; it exists from the start. */
  defaultRealmId: string;
  /** Typed access to the state and switches (the same as /_emulator over HTTP). */
  control: EmulatorControl;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions extends EmulatorOptions {
  /** Called for unexpected errors inside the emulator (default: console.error). */
  log?: EmulatorLog;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new RangeError(`The emulator only listens on loopback addresses, not ${host}`);
  const state = new EmulatorState(options);
  const control = new EmulatorControl(state);
  const log: EmulatorLog = options.log ?? ((message, error) => console.error(message, error));
  const app = createEmulatorApp(state, control, log);
  const server: Server = createServer(app);
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
  const client = options.clients?.[0] ?? DEFAULT_CLIENT;
  let stopped: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    v3BaseUrl: `${url}/v3/company/`,
    oauth: {
      authorizeUrl: `${url}${OAUTH_PATHS.authorize}`,
      tokenUrl: `${url}${OAUTH_PATHS.token}`,
      revokeUrl: `${url}${OAUTH_PATHS.revoke}`,
      userInfoUrl: `${url}${OAUTH_PATHS.userInfo}`,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
    },
    defaultRealmId: state.defaultRealmId,
    control,
    stop() {
      state.webhooks.stop();
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

export { EmulatorControl } from './control';
export { DEFAULT_CLIENT, ACCOUNTING_SCOPE } from './oauth';
export type { EmulatorOptions } from './state';
export * from './types';
