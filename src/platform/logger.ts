import pino, { type Logger } from 'pino';

/** Paths whose values are never written to a log line. */
export const REDACTED_PATHS = [
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-m3ter-signature"]',
  'headers.authorization',
  'token',
  'accessToken',
  'refreshToken',
];

export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      name: options.name,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

export type { Logger };
