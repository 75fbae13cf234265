import express, { type Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ValidationError } from '../../domain/errors';
import { PG_INTEGER, parseOrThrow } from '../../domain/validation';
import { errorResponses } from '../openapi';
import type { Logger } from '../../platform/logger';
import { requestContextOf } from '../request-context';

/**
 * Declares a route once: the same zod schemas validate the request and document it in the OpenAPI
 * registry. Handlers receive parsed input and return the response body; they hold no business rules.
 *
 *   const r = routes(registry, 'Integrations');
 *   r.route({ method: 'get', path: '/integrations/{id}', params: IdParams, response: IntegrationResponse, … },
 *     ({ params }) => getIntegration(db, params.id));
 *   return r.router;
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type ZodObj = z.ZodObject;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteSpec<
  P extends ZodObj | undefined,
  Q extends ZodObj | undefined,
  B extends z.ZodType | undefined,
> {
  method: Method;
  /** OpenAPI style, `{name}` for parameters. */
  path: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status; 204 sends no body. Default 200. */
  status?: number;
  response?: z.ZodType;
  responseDescription?: string;
  /**
   * A settings change: after a successful call, one audit row (who, this label, the route, the fields sent with
   * their non-secret values; src/settings/audit.ts) and a log line (the path parameters, never the body).
   */
  audit?: string;
  /** Needs no API key (documented with `security: []`); the handler checks what it needs itself. */
  public?: boolean;
}

export interface RouteInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** For the few handlers that read headers or set cookies (console sign-in). */
  req: express.Request;
  res: express.Response;
}

export interface Routes {
  router: Router;
  route<
    P extends ZodObj | undefined = undefined,
    Q extends ZodObj | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
  >(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<P, Q, B>) => Promise<unknown>,
  ): void;
}

export function routes(registry: OpenAPIRegistry, tag: string, logger?: Logger): Routes {
  const router = express.Router();
  return {
    router,
    route(spec, handler) {
      const status = spec.status ?? 200;
      const bodyRequired = spec.body !== undefined && !spec.body.safeParse(undefined).success;
      registry.registerPath({
        method: spec.method,
        path: spec.path,
        tags: [tag],
        summary: spec.summary,
        description: spec.description,
        ...(spec.public ? { security: [] } : {}),
        request: {
          params: spec.params,
          query: spec.query,
          body: spec.body
            ? {
                required: bodyRequired,
                content: { 'application/json': { schema: spec.body } },
              }
            : undefined,
        },
        responses: {
          [status]: {
            description: spec.responseDescription ?? (status === 204 ? 'Done' : 'OK'),
            content: spec.response ? { 'application/json': { schema: spec.response } } : undefined,
          },
          ...errorResponses,
        },
      });
      const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
      router[spec.method](expressPath, async (req, res) => {
        // Path and query first, so a bad one is named whatever the body.
        const params = spec.params ? parseOrThrow(spec.params, req.params, 'params') : undefined;
        const query = spec.query ? parseOrThrow(spec.query, req.query, 'query') : undefined;
        // body-parser turns an empty JSON body into {}, which an all-optional schema would accept.
        if (bodyRequired && !sentBody(req)) {
          throw ValidationError.field('(body)', 'a JSON body is required');
        }
        const input = {
          params,
          query,
          body: spec.body ? parseOrThrow(spec.body, req.body) : undefined,
          req,
          res,
        } as RouteInput<never, never, never>;
        const result = await handler(input);
        // The audit records the fields as sent (not the defaults the schema filled in).
        if (spec.audit) await audit(spec, req, res, spec.body ? req.body : undefined, result, logger);
        if (status === 204) res.status(204).end();
        else res.status(status).json(result);
      });
    },
  };
}

/** The one home of the audit: every route with an `audit` label ends here after a successful call. */
async function audit(
  spec: { method: Method; path: string; audit?: string },
  req: express.Request,
  res: express.Response,
  body: unknown,
  result: unknown,
  logger: Logger | undefined,
): Promise<void> {
  const route = `${spec.method.toUpperCase()} ${spec.path}`;
  const label = spec.audit ?? route;
  const got = (o: unknown, key: string): string | null => {
    if (typeof o !== 'object' || o === null || !(key in o)) return null;
    const v = (o as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : null;
  };
  const params = req.params as Record<string, string | undefined>;
  const entityId = got(result, 'id') ?? params.id ?? null;
  // The integration a change belongs to: the one in the path, the one just created, or a mapping's link.
  const integrationId = spec.path.startsWith('/integrations/{id}')
    ? (params.id ?? null)
    : spec.path === '/integrations'
      ? entityId
      : (got(result, 'integrationConfigId') ?? got(body, 'integrationConfigId'));
  const ctx = requestContextOf(res);
  logger?.info({ route, params: req.params, id: entityId, actor: ctx?.actor }, label);
  if (!ctx?.audit) return;
  try {
    await ctx.audit({ actor: ctx.actor, action: label, route, entityId, integrationId, body });
  } catch (err) {
    // The change is made; a lost audit row is logged loudly rather than turned into a failed request.
    logger?.error({ err, route, id: entityId }, 'audit row could not be written');
  }
}

function sentBody(req: express.Request): boolean {
  const length = Number(req.headers['content-length'] ?? NaN);
  return req.headers['transfer-encoding'] !== undefined || length > 0;
}

// Shared request and response pieces.

/** Path parameter `{id}`. Any string: an id that cannot exist is a 404, not a 400. */
export const IdParams = z.object({ id: z.string().min(1) });

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size (1–500, default 100)'),
  offset: z.coerce.number().int().min(0).default(0).describe('Items to skip'),
};

/** A query-string boolean: `true` or `false`. */
export const QueryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Optional `?version=` for deletes and state changes: when given, must be the current version. */
export const OptionalVersionQuery = z.strictObject({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(PG_INTEGER.max)
    .optional()
    .describe('When given, the request fails with 409 unless this is the current version'),
});

export const Version = z
  .number()
  .int()
  .min(1)
  .max(PG_INTEGER.max)
  .describe('The version you read; a stale one gets 409');

export function pageOf<S extends z.ZodType>(item: S, name: string) {
  return z
    .object({
      data: z.array(item),
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
    })
    .meta({ id: name });
}

/** `{limit, offset, ...filter}` of a list query → `[filter, page]`. */
export function splitPage<Q extends { limit: number; offset: number }>(
  query: Q,
): [Omit<Q, 'limit' | 'offset'>, { limit: number; offset: number }] {
  const { limit, offset, ...filter } = query;
  return [filter, { limit, offset }];
}

export const Timestamp = z.string().describe('ISO 8601 date-time');
