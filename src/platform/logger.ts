import pino, { type Logger } from 'pino';

const SECRET_FIELDS = [
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'id_token',
  'tokens',
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'adminApiKey',
  'encryptionKey',
  'ENCRYPTION_KEY',
  'QBO_CLIENT_SECRET',
  'ADMIN_API_KEY',
  'M3TER_WEBHOOK_SECRET',
];

/**
 * Paths whose values are never written to a log line: secret-named fields at the top level and up to two
 * levels down (`{ err: { config: { headers: { Authorization } } } }`), HTTP headers that carry credentials, and
 * the parts of HTTP client errors (axios, intuit-oauth) that hold the whole request — its headers and its
 * body, where a refresh token or Basic auth sits. A token inside a message string is not caught here: code
 * never puts one there (test/connection/secrets.test.ts checks a full sync's logs).
 */
export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers["x-api-key"]',
  'req.headers["x-m3ter-signature"]',
  '*.headers["x-api-key"]',
  'token',
  '*.token',
  'query.code',
  '*.query.code',
  // HTTP client errors: the request (config, request), the response and intuit-oauth's AuthResponse.
  'err.config',
  'err.request',
  'err.response',
  'err.authResponse',
  '*.err.config',
  '*.err.response',
  '*.authResponse',
];

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

export type { Logger };
