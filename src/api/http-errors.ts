import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, ERROR_CODES, type ErrorCode } from '../domain/errors';
import type { Logger } from '../platform/logger';
import { isDependencyUnavailable } from '../platform/unavailable';

/** The one error format of the API: `{"error":{"code","message","details"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  CSRF_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  INVALID_STATE: 409,
  ACTION_NOT_APPLICABLE: 409,
  DOCUMENT_PAID: 409,
  NO_FAILED_RUN: 409,
  DOCUMENT_CHANGED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/** Seconds a sender is asked to wait when PostgreSQL or Temporal is down. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
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
    } else if (isDependencyUnavailable(err)) {
      // The request wrote nothing it can be judged by (each use case claims, then acts): m3ter redelivers.
      status = 503;
      res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      body = {
        error: {
          code: ERROR_CODES.SERVICE_UNAVAILABLE,
          message: 'The database or the workflow server is unavailable; try again shortly',
        },
      };
      logger.warn(
        { err: describeUnavailable(err), method: req.method, path: req.path },
        'dependency unavailable',
      );
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

function describeUnavailable(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
