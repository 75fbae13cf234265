import express, { type Express, type Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { requireApiKey } from './admin-auth';
import { errorHandler, notFoundRoute } from './http-errors';
import { buildOpenApiDocument, createOpenApiRegistry } from './openapi';
import type { Logger } from '../platform/logger';
import { withTimeout } from '../platform/timeout';

export interface HealthCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export interface AppOptions {
  logger: Logger;
  adminApiKey: string;
  maxBodyBytes: number;
  healthChecks: HealthCheck[];
  /** Routers that need no API key (webhooks check their own signature; OAuth callbacks carry state). */
  publicRouters?: Array<(registry: OpenAPIRegistry) => Router>;
  /** Admin routers, mounted behind the API key. */
  adminRouters?: Array<(registry: OpenAPIRegistry) => Router>;
  /** Prometheus metrics in text format, served at GET /metrics (like /health, without the API key). */
  metrics?: () => Promise<string>;
}

/** The HTTP edge: parse, call a use case, map errors. Routers hold no business rules. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const registry = createOpenApiRegistry();

  app.get('/health', async (_req, res) => {
    const results = await Promise.all(
      options.healthChecks.map(async (h) => {
        try {
          return [
            h.name,
            await withTimeout(h.check(), 3000, () => new Error('timed out after 3000 ms')),
          ] as const;
        } catch (err) {
          return [h.name, { ok: false, detail: (err as Error).message }] as const;
        }
      }),
    );
    const components = Object.fromEntries(results);
    const ok = results.every(([, r]) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', components });
  });

  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type('text/plain; version=0.0.4').send(await metrics());
    });
  }

  for (const build of options.publicRouters ?? []) app.use(build(registry));

  const json = express.json({
    limit: options.maxBodyBytes,
    type: ['application/json', 'application/*+json'],
  });
  const admin = express.Router();
  admin.use(requireApiKey(options.adminApiKey));
  admin.use(json);
  for (const build of options.adminRouters ?? []) admin.use(build(registry));

  const document = buildOpenApiDocument(registry);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(admin);
  app.use(notFoundRoute);
  app.use(errorHandler(options.logger));
  return app;
}
