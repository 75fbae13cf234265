import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `registry.register(name, schema)` needs zod's `.openapi()` extension.
extendZodWithOpenApi(z);

/**
 * The API document is generated from the same zod schemas the routes validate with.
 * Each route module registers its paths here when its router is built.
 */
export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  registry.register(
    'Error',
    z.object({
      error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
    }),
  );
  return registry;
}

export function buildOpenApiDocument(
  registry: OpenAPIRegistry,
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'm3ter → QuickBooks Online bill sync',
      version: '0.1.0',
      description:
        'Integrations, credentials, external mappings, m3ter reference data, runs, events and webhooks.',
    },
    security: [{ apiKey: [] }],
  });
}

/** Standard error responses, for route registrations. */
export const errorResponses = {
  400: { description: 'Invalid request; `error.details.issues` names each field' },
  401: { description: 'Missing or invalid API key (or console session)' },
  403: { description: 'A console session request without its X-CSRF-Token' },
  404: { description: 'Unknown id' },
  409: { description: 'Stale version or duplicate' },
  413: { description: 'Body too large' },
} as const;
