import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { DomainError, ERROR_CODES, ValidationError, type ErrorCode, type FieldIssue } from '../domain/errors';
import type { Logger } from '../platform/logger';

/** The one error format of the API: `{"error":{"code","message","details"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

/** Turns zod issues into field issues with dotted paths under `prefix`. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    return { field: path || '(body)', message };
  });
}

/** Nesting deeper than any m3ter object or setting has (a bill line's pricing band is 8 levels into an event). */
export const MAX_JSON_DEPTH = 32;

/** The range of a PostgreSQL `integer` column (versions are stored in such columns). */
export const PG_INTEGER = { min: -2_147_483_648, max: 2_147_483_647 } as const;

/** U+0000 and unpaired UTF-16 surrogates: PostgreSQL text and jsonb cannot hold them. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What no schema says but the database needs: text without U+0000 or unpaired surrogates, and nesting no
 * deeper than MAX_JSON_DEPTH (deeper input overflows the stack of JSON.stringify and of PostgreSQL's jsonb
 * parser). Iterative, so input nested 100 000 levels deep is reported, not a stack overflow here.
 */
export function unstorableIssues(value: unknown, prefix?: string, limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Array<{ v: unknown; path: string[] }> = [{ v: value, path: [] }];
  const name = (path: string[]) =>
    [prefix, ...path].filter((p) => p !== undefined && p !== '').join('.') || '(body)';
  while (stack.length && issues.length < limit) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE_TEXT.test(v))
        issues.push({
          field: name(path),
          message: 'contains U+0000 or an unpaired surrogate, which cannot be stored',
        });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      issues.push({ field: name(path), message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (UNSTORABLE_TEXT.test(key))
        issues.push({
          field: name([...path, JSON.stringify(key).slice(1, -1)]),
          message: 'field name contains U+0000 or an unpaired surrogate',
        });
      else stack.push({ v: child, path: [...path, key] });
    }
  }
  return issues;
}

/** Throws a ValidationError naming `field` unless `value` (when given) fits a PostgreSQL `integer` column. */
export function assertPgInteger(value: number | null | undefined, field: string): void {
  if (value === null || value === undefined) return;
  if (value < PG_INTEGER.min || value > PG_INTEGER.max)
    throw ValidationError.field(field, `must be between ${PG_INTEGER.min} and ${PG_INTEGER.max}`);
}

/** Parses `value` with `schema` or throws a ValidationError naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const unstorable = unstorableIssues(value, prefix);
  const result = schema.safeParse(value);
  if (result.success && unstorable.length === 0) return result.data;
  const issues = [...(result.success ? [] : fieldIssues(result.error, prefix)), ...unstorable];
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join('; ');
  throw new ValidationError(`Invalid request: ${summary}`, issues);
}

export const notFoundRoute: RequestHandler = (req, res) => {
  const body: ErrorBody = {
    error: { code: ERROR_CODES.NOT_FOUND, message: `No route for ${req.method} ${req.path}` },
  };
  res.status(404).json(body);
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof DomainError) {
      status = httpStatusFor(err.code);
      body = { error: { code: err.code, message: err.message, details: err.details } };
    } else if (isBodyParserError(err)) {
      if (err.type === 'entity.too.large') {
        status = 413;
        body = {
          error: {
            code: ERROR_CODES.PAYLOAD_TOO_LARGE,
            message: `Request body is larger than ${err.limit} bytes`,
          },
        };
      } else if (err.type === 'entity.parse.failed') {
        status = 400;
        body = {
          error: {
            code: ERROR_CODES.MALFORMED_JSON,
            message: `Request body is not valid JSON: ${err.message}`,
          },
        };
      } else if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
        status = 415;
        body = { error: { code: ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, message: err.message } };
      } else {
        status = err.status && err.status >= 400 && err.status < 500 ? err.status : 400;
        body = {
          error: {
            code: ERROR_CODES.VALIDATION_FAILED,
            message: err.message,
            details: { issues: [{ field: '(body)', message: err.message }] },
          },
        };
      }
    } else if (err instanceof URIError) {
      // The router could not percent-decode a path segment (e.g. `/integrations/%zz`).
      status = 400;
      body = {
        error: {
          code: ERROR_CODES.VALIDATION_FAILED,
          message: `Invalid request path: ${err.message}`,
          details: { issues: [{ field: 'params', message: 'not valid percent-encoding' }] },
        },
      };
    } else if (isClientHttpError(err)) {
      // body-parser passes on stream errors as a bare 4xx, e.g. a Content-Encoding: gzip body that does not inflate.
      status = err.status;
      body =
        status === 400
          ? {
              error: {
                code: ERROR_CODES.MALFORMED_JSON,
                message: `Request body could not be read: ${err.message}`,
              },
            }
          : {
              error: {
                code: ERROR_CODES.VALIDATION_FAILED,
                message: err.message,
                details: { issues: [{ field: '(body)', message: err.message }] },
              },
            };
    } else {
      status = 500;
      body = { error: { code: 'INTERNAL', message: 'Internal error; see the service log' } };
      logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}

/** An http-errors error (`status` 4xx, `expose`) without a body-parser `type`. */
function isClientHttpError(err: unknown): err is Error & { status: number } {
  const e = err as { status?: unknown; expose?: unknown };
  return (
    err instanceof Error &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500 &&
    e.expose === true
  );
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return err instanceof Error && typeof (err as BodyParserError).type === 'string' && 'status' in err;
}
