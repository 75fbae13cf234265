import { z } from 'zod';

/**
 * Every setting of the service, read from the environment once at start-up.
 * A bad value stops start-up with a message naming the variable.
 */
const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Which parts this process runs: everything (npm start), the API only, or a worker only. */
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  PUBLIC_BASE_URL: optionalUrl,
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** A console session not used for this long ends (sign in again). */
  CONSOLE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  /** A console session ends this long after sign-in, used or not. */
  CONSOLE_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  /** Wrong API keys accepted per minute from one address at console sign-in (then 429). */
  CONSOLE_SIGNIN_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /** The built console served at /console (npm start builds it there when missing or stale). */
  CONSOLE_DIR: z.string().min(1).optional(),

  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_POSTGRES_PORT: port.default(5433),

  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bill-sync'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalUrl,

  /** m3ter's API (a service user's access key): bills and reference data are read there. */
  M3TER_API_KEY: z.string().min(1).optional(),
  M3TER_API_SECRET: z.string().min(1).optional(),
  M3TER_ORG_ID: z.string().min(1).optional(),
  M3TER_BASE_URL: z.string().url().default('https://api.m3ter.com'),
  /**
   * `api` (default): a webhook is only a trigger and the bill is read from m3ter's API. `webhook`: run from
   * webhook bodies, without m3ter API credentials (no sweep, no backfill, reference data only as delivered).
   */
  M3TER_BILL_SOURCE: z.enum(['api', 'webhook']).default('api'),
  /** `true` forces the bundled m3ter emulator even with m3ter credentials configured (development). */
  M3TER_EMULATOR: bool.optional(),
  M3TER_EMULATOR_PORT: port.default(4020),
  /** How long reference data read from m3ter is used before it is read again (configuration events refresh it at once). */
  REFERENCE_DATA_TTL_SECONDS: z.coerce.number().int().min(0).default(3600),
  M3TER_WEBHOOK_API_KEY: z.string().min(1).optional(),
  /** The Intuit app's webhook verifier token: `POST /webhooks/quickbooks` checks `intuit-signature` with it. */
  QBO_WEBHOOK_VERIFIER_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  M3TER_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().positive().default(300),
  /**
   * `enforce` (default): a delivery whose signature does not verify gets 401. `log-only`: accepted, and what
   * arrived (header names, why the check failed — never a secret) is logged; for confirming the scheme
   * against a first real delivery. `off`: not checked.
   */
  M3TER_WEBHOOK_VERIFY: z.enum(['enforce', 'log-only', 'off']).default('enforce'),
  /** Webhook requests accepted per minute from one source address. */
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),

  QBO_CLIENT_ID: z.string().min(1).optional(),
  QBO_CLIENT_SECRET: z.string().min(1).optional(),
  QBO_REDIRECT_URI: optionalUrl,
  QBO_API_BASE_URL: optionalUrl,
  QBO_SANDBOX_API_BASE_URL: optionalUrl,
  QBO_AUTHORIZE_URL: optionalUrl,
  QBO_TOKEN_URL: optionalUrl,
  QBO_REVOKE_URL: optionalUrl,
  QBO_APP_BASE_URL: optionalUrl,
  QBO_EMULATOR: bool.optional(),
  EMULATOR_PORT: port.default(4010),
  /** Refresh the access token this long before it expires. */
  QBO_TOKEN_REFRESH_SKEW_SECONDS: z.coerce.number().int().min(0).max(3000).default(60),
  /** A company with a backlog gets its creates and updates in batches (POST /batch); `false`: one request each. */
  QBO_BATCH_WRITES: bool.default(true),
  /** QuickBooks' batch budget per company (Intuit has said 40 and 120 a minute: the safe figure by default). */
  QBO_BATCH_REQUESTS_PER_MINUTE: z.coerce.number().int().min(2).max(120).default(40),
  /** Writes per batch request (QuickBooks: 30 at most). */
  QBO_BATCH_MAX_ITEMS: z.coerce.number().int().min(2).max(30).default(30),
  /** How long a step waits after QuickBooks itself answered 429 (a durable timer; no retry attempt used). */
  QBO_THROTTLE_WAIT_SECONDS: z.coerce.number().min(0.1).max(600).default(15),
  /** Warn (integration.authentication.error) this many days before a refresh token or its 5-year cap runs out. */
  QBO_EXPIRY_WARNING_DAYS: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be a comma-separated list of whole days, e.g. 14,3')
    .default('14,3')
    .transform((v) => [...new Set(v.split(',').map((d) => Number(d.trim())))].filter((d) => d > 0)),
  /** Origins of Temporal Web UIs whose browser requests may use the codec endpoint without the API key (comma-separated). */
  CODEC_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().url())),

  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),

  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().min(3).default('QuickBooks sync <no-reply@localhost>'),

  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(50),
  /**
   * A worker-only process (ROLE=worker) serves /metrics on this port (the API serves its own on API_PORT).
   * Unset: no metrics server in a worker-only process.
   */
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the Temporal SDK's own Prometheus exporter listens (loopback); 0 = a free port. /metrics includes it. */
  TEMPORAL_SDK_METRICS_PORT: port.default(0),
  /** A prebuilt workflow bundle (the production image has one); else the workflows are bundled at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  // Workflows kept in memory between tasks; the others are replayed from history when they next run.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(40).default(100),
  /**
   * Longest one call into the workflow sandbox may run before it fails as a deadlock; 0 = no guard. Node arms
   * the guard with a thread of its own per call (~0.2 ms, dozens of calls per bill), so it is off by default:
   * our workflows are short and loop-free, and a stuck task still shows as a workflow task timeout.
   */
  WORKFLOW_DEADLOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  /**
   * The Web UI's Stack Trace tab. The SDK captures a stack for every promise a workflow makes (~5 ms of CPU per
   * bill), so it is off by default: a running sync says what it waits for in its current details.
   */
  WORKFLOW_STACK_TRACES: bool.default(false),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; empty strings count as unset. Throws ConfigError naming every bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        const value = cleaned[name];
        const shown =
          value === undefined || /SECRET|KEY|PASSWORD|TOKEN|URL/.test(name) ? '' : ` (got "${value}")`;
        return `${name}: ${i.message}${shown}`;
      }),
    );
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production') {
    const required = [
      'ENCRYPTION_KEY',
      'ADMIN_API_KEY',
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      // With m3ter's API, `npm run m3ter:connect` makes the webhook destination and its credentials.
      ...(env.M3TER_BILL_SOURCE === 'api'
        ? (['M3TER_API_KEY', 'M3TER_API_SECRET', 'M3TER_ORG_ID'] as const)
        : (['M3TER_WEBHOOK_SECRET'] as const)),
    ] as const;
    const missing = required.filter((k) => env[k] === undefined);
    if (missing.length > 0)
      throw new ConfigError(missing.map((k) => `${k}: required when NODE_ENV=production`));
  }
  return env;
}

/** How users and Intuit reach the API: PUBLIC_BASE_URL, else where it listens (0.0.0.0 read as loopback). */
export function publicBaseUrl(env: Pick<Env, 'PUBLIC_BASE_URL' | 'API_HOST' | 'API_PORT'>): string {
  return (
    env.PUBLIC_BASE_URL ?? `http://${env.API_HOST === '0.0.0.0' ? '127.0.0.1' : env.API_HOST}:${env.API_PORT}`
  );
}

/** Whether QuickBooks is Intuit's (an app configured and the emulator not forced). */
export function usesIntuit(env: Pick<Env, 'QBO_CLIENT_ID' | 'QBO_CLIENT_SECRET' | 'QBO_EMULATOR'>): boolean {
  return Boolean(env.QBO_CLIENT_ID && env.QBO_CLIENT_SECRET && env.QBO_EMULATOR !== true);
}

/** Where m3ter is: its API as configured, the bundled emulator (development), or none (webhook bodies). */
export function m3terTarget(env: Env): 'configured' | 'emulator' | 'none' {
  if (env.M3TER_BILL_SOURCE === 'webhook') return 'none';
  if (env.M3TER_API_KEY && env.M3TER_API_SECRET && env.M3TER_ORG_ID && env.M3TER_EMULATOR !== true)
    return 'configured';
  return 'emulator';
}
