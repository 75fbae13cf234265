import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { requireAdmin, type ConsoleSessionOptions } from './admin-auth';
import { consoleSessionRouter } from './routes/console-session.routes';
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
  /**
   * Console sign-in (`/auth/session`) and the audit: with it, admin endpoints also accept a console session
   * cookie (plus X-CSRF-Token on changes), and every settings change writes an audit row.
   */
  consoleSessions?: ConsoleSessionOptions;
  /** The built console (console/dist): served at /console, every other /console path answered with its index.html. */
  consoleDir?: string;
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

  if (options.consoleDir) serveConsole(app, options.consoleDir);
  if (options.consoleSessions)
    app.use(
      consoleSessionRouter({
        ...options.consoleSessions,
        apiKey: options.adminApiKey,
        maxBodyBytes: options.maxBodyBytes,
      })(registry),
    );
  for (const build of options.publicRouters ?? []) app.use(build(registry));

  const json = express.json({
    limit: options.maxBodyBytes,
    type: ['application/json', 'application/*+json'],
  });
  const admin = express.Router();
  admin.use(requireAdmin(options.adminApiKey, options.consoleSessions, options.logger));
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

/** The console SPA: its files (hashed assets cached long), and index.html for every client-side route. */
function serveConsole(app: Express, dir: string): void {
  const index = path.join(dir, 'index.html');
  app.get('/console', (req, res, next) =>
    req.path === '/console' ? res.redirect(301, '/console/') : next(),
  );
  app.use(
    '/console',
    express.static(dir, {
      index: false,
      setHeaders: (res, file) => {
        res.set(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  // A missing asset is a 404, not the page (a stale tab asking for an old bundle must not get HTML as script).
  app.get(/^\/console\/assets\//, (_req, res) => {
    res.status(404).type('text/plain').send('No such console asset');
  });
  app.get(/^\/console\/.*/, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built: run npm run console:build');
      return;
    }
    res.set({
      'Cache-Control': 'no-cache',
      'Content-Security-Policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
    });
    res.sendFile(index);
  });
}
