import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { createApp, type HealthCheck } from '../../src/api/app';
import { settingsRouters, type SettingsDeps } from '../../src/api/routes/settings-routers';
import type { Db } from '../../src/db/pool';
import { createLogger, type Logger } from '../../src/platform/logger';
import { createSecretBox, type SecretBox } from '../../src/platform/secret-box';
import type { ConsoleSessionPolicy } from '../../src/settings/console-sessions';
import { createTestDatabase, type TestDatabase } from './environment';

/**
 * The real express app (createApp + the settings routers + yours) on a random port, for API tests over HTTP.
 *
 *   const api = await startApi({ db });
 *   const res = await api.request('POST', '/integrations', { name: 'US', destination: 'QuickBooks' });
 *   assert.equal(res.status, 201);
 *   await api.close();
 */
export interface StartApiOptions {
  db: Db;
  /** Default: a fresh random key. */
  secretBox?: SecretBox;
  logger?: Logger;
  maxBodyBytes?: number;
  healthChecks?: HealthCheck[];
  /** More admin routers (behind the API key), mounted after the settings routers. */
  adminRouters?: Array<(registry: OpenAPIRegistry) => Router>;
  publicRouters?: Array<(registry: OpenAPIRegistry) => Router>;
  /** false: leave the settings routers out. */
  includeSettingsRouters?: boolean;
  /** More dependencies of the settings routers (m3ter reference data, the integration listener). */
  settings?: Pick<SettingsDeps, 'reference' | 'integrationListener'>;
  /** Console session lifetimes (default: 30 minutes idle, 12 hours absolute). */
  consolePolicy?: ConsoleSessionPolicy;
  /** Wrong keys a minute at console sign-in before 429 (default 10). */
  consoleSignInFailuresPerMinute?: number;
  /** Serve a built console at /console. */
  consoleDir?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  body: T;
}

/** The error body of every 4xx/5xx (`{"error":{"code","message","details"}}`), with field issues for 400s. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    details?: {
      issues?: Array<{ field: string; message: string; [extra: string]: unknown }>;
      [key: string]: unknown;
    };
  };
}

/** The field issues of a 400 response (empty when none). */
export function issuesOf(
  res: ApiResponse<unknown>,
): Array<{ field: string; message: string; [extra: string]: unknown }> {
  return (res.body as ApiErrorBody | undefined)?.error?.details?.issues ?? [];
}

export interface ApiHarness {
  baseUrl: string;
  apiKey: string;
  secretBox: SecretBox;
  /**
   * Calls the API with the API key. `body`: an object/array is sent as JSON; a string is sent as is
   * (with content-type application/json unless you set one) — for malformed-JSON tests.
   * Headers override the defaults; `authorization: ''` sends no API key.
   */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function startApi(options: StartApiOptions): Promise<ApiHarness> {
  const apiKey = randomBytes(24).toString('hex');
  const secretBox = options.secretBox ?? createSecretBox(randomBytes(32));
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const app = createApp({
    logger,
    adminApiKey: apiKey,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    healthChecks: options.healthChecks ?? [],
    consoleSessions: {
      db: options.db,
      policy: options.consolePolicy ?? { idleSeconds: 1800, maxAgeSeconds: 43_200 },
      secureCookie: false,
      signInFailuresPerMinute: options.consoleSignInFailuresPerMinute,
    },
    consoleDir: options.consoleDir,
    publicRouters: options.publicRouters ?? [],
    adminRouters: [
      ...(options.includeSettingsRouters === false
        ? []
        : settingsRouters({ db: options.db, secretBox, logger, ...options.settings })),
      ...(options.adminRouters ?? []),
    ],
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    apiKey,
    secretBox,
    async request(method, path, body, headers = {}) {
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const sent: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        sent['content-type'] = 'application/json';
      }
      Object.assign(sent, lower);
      if (sent.authorization === '') delete sent.authorization;
      const res = await fetch(`${baseUrl}${path}`, { method, headers: sent, body: payload });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed as never };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface ApiFixture {
  /** The test database of this suite (valid inside tests and hooks). */
  t: TestDatabase;
  api: ApiHarness;
}

/**
 * For a mocha `describe`: a fresh migrated database and the API on it for the whole suite, closed afterwards.
 *
 *   const ctx = useApi();
 *   it('…', async () => { await ctx.api.request('GET', '/integrations'); });
 */
export function useApi(options: Omit<StartApiOptions, 'db'> = {}): ApiFixture {
  const ctx = {} as ApiFixture;
  before(async () => {
    ctx.t = await createTestDatabase();
    ctx.api = await startApi({ ...options, db: ctx.t.db });
  });
  after(async () => {
    await ctx.api?.close();
    await ctx.t?.drop();
  });
  return ctx;
}

/** Runs `fn` against an API on a database of its own (for tests that count or list everything). */
export async function withFreshApi<T>(
  fn: (fixture: ApiFixture) => Promise<T>,
  options: Omit<StartApiOptions, 'db'> = {},
): Promise<T> {
  const t = await createTestDatabase();
  const api = await startApi({ ...options, db: t.db });
  try {
    return await fn({ t, api });
  } finally {
    await api.close();
    await t.drop();
  }
}
