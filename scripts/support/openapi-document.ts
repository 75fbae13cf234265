import { createServiceApi, type ServiceApiDeps } from '../../src/api/service-api';
import { createLogger } from '../../src/platform/logger';

/**
 * The service's OpenAPI document, exactly as GET /openapi.json serves it, without starting anything: the routers
 * only register their paths when built, so their dependencies are stand-ins that fail loudly if used.
 */
export async function serviceOpenApiDocument(): Promise<unknown> {
  const unused = (name: string): never =>
    new Proxy(
      {},
      {
        get(_t, prop) {
          if (prop === 'then') return undefined;
          throw new Error(`${name}.${String(prop)} used while only building the OpenAPI document`);
        },
      },
    ) as never;
  const deps: ServiceApiDeps = {
    db: unused('db'),
    logger: createLogger({ level: 'silent' }),
    secretBox: unused('secretBox'),
    syncs: unused('syncs'),
    m3ter: unused('m3ter'),
    reference: unused('reference'),
    backfills: unused('backfills'),
    reconciliations: unused('reconciliations'),
    reconciliationSchedules: unused('reconciliationSchedules'),
    quickBooksVerifierToken: 'unused-verifier-token',
    sweeps: unused('sweeps'),
    connector: unused('connector'),
    endpoints: unused('endpoints'),
    links: { temporalUiUrl: undefined, namespace: 'default' },
    adminApiKey: 'unused-admin-api-key',
    maxBodyBytes: 1_048_576,
    webhook: {
      secret: 'unused-webhook-secret',
      toleranceSeconds: 300,
      verify: 'enforce',
      rateLimitPerMinute: 1,
    },
    webhookUrl: 'http://127.0.0.1/webhooks/m3ter',
    codec: { codec: unused('codec'), allowedOrigins: [] },
    healthChecks: [],
    console: { policy: { idleSeconds: 1800, maxAgeSeconds: 43_200 }, secureCookie: false },
  };
  const app = createServiceApi(deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    if (!res.ok) throw new Error(`GET /openapi.json: ${res.status}`);
    return await res.json();
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
