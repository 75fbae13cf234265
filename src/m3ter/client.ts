import type { z } from 'zod';
import { M3terApiError, type M3terErrorKind } from './errors';
import { backoffDelay, isNotProcessedStatus, isRetryableStatus, parseRetryAfter } from './retry';
import {
  AccountSchema,
  AggregationSchema,
  BillSchema,
  CompoundAggregationSchema,
  IntegrationConfigSchema,
  LineItemSchema,
  M3terEventSchema,
  NotificationConfigurationSchema,
  OrganizationConfigSchema,
  OrgUserSchema,
  pageSchema,
  ProductSchema,
  TokenResponseSchema,
  WebhookDestinationSchema,
  type Account,
  type Aggregation,
  type Bill,
  type CompoundAggregation,
  type CreateIntegrationConfigRequest,
  type CreateNotificationConfigurationRequest,
  type CreateWebhookDestinationRequest,
  type IntegrationConfig,
  type LineItem,
  type ListBillsParams,
  type ListByCodesParams,
  type ListByIdsParams,
  type ListIntegrationConfigsParams,
  type ListNotificationConfigurationsParams,
  type M3terEvent,
  type NotificationConfiguration,
  type OrganizationConfig,
  type OrgUser,
  type Page,
  type PageParams,
  type Product,
  type WebhookDestination,
} from './types';

export const DEFAULT_M3TER_BASE_URL = 'https://api.m3ter.com';

export interface M3terClientConfig {
  /** Default https://api.m3ter.com. */
  baseUrl?: string;
  orgId: string;
  /** A service user's access key id. */
  apiKey: string;
  apiSecret: string;
  /** Per attempt, response body included (default 30000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, network errors and timeouts (default 3). */
  maxRetries?: number;
  fetch?: typeof fetch;
  /** Clock for token expiry and Retry-After dates (default Date.now). */
  now?: () => number;
  /** First backoff step (default 500 ms); doubles per retry, with jitter. */
  retryBaseDelayMs?: number;
  /** Cap of a computed backoff (default 20000 ms). */
  retryMaxDelayMs?: number;
  /** A longer Retry-After than this is not waited for: the error is thrown (default 60000 ms). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
  userAgent?: string;
}

/** Query values: arrays are sent comma-separated, as m3ter's own SDKs send them. */
type QueryValue = string | number | boolean | readonly string[] | undefined;
type Query = Record<string, QueryValue>;

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  attempts: number;
}

interface Outgoing {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path from the base URL, e.g. `/organizations/x/bills`. */
  path: string;
  query?: Query;
  body?: unknown;
  authorization: string;
  /** May be repeated after an uncertain outcome (network error, timeout, 5xx other than 503). */
  idempotent: boolean;
}

const REFRESH_MARGIN_MS = 5 * 60_000;
const MAX_DETAIL_CHARS = 300;
/** New tokens tried on 401 within one call before the 401 is the answer. */
const MAX_TOKEN_REFRESHES_PER_CALL = 3;

/** Refresh 5 minutes before expiry, or at half the lifetime when that is shorter. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
}

function toQueryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function segment(id: string): string {
  if (id === '') throw new RangeError('an m3ter id must not be empty');
  return encodeURIComponent(id);
}

function readJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(body: unknown, ...names: string[]): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  for (const name of names) {
    const v = (body as Record<string, unknown>)[name];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function networkDetail(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause
      ? (cause as { code: unknown }).code
      : undefined;
  if (typeof code === 'string') return `${err.message} (${code})`;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

/**
 * A typed m3ter API client over fetch: client-credentials auth with a cached, shared and early-refreshed
 * token, retries with backoff for 429 / 5xx / network errors / timeouts (honouring Retry-After), zod-parsed
 * responses, page calls and async iterators over every page. Throws only M3terApiError (and RangeError for
 * bad arguments).
 */
export class M3terClient {
  readonly baseUrl: string;
  readonly orgId: string;
  readonly #apiKey: string;
  readonly #apiSecret: string;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #userAgent: string;
  #token: CachedToken | undefined;
  #refreshing: Promise<CachedToken> | undefined;
  /** Strings that must never appear in an error: the secret, the Basic credential, tokens received. */
  readonly #secrets = new Set<string>();

  constructor(config: M3terClientConfig) {
    const baseUrl = (config.baseUrl ?? DEFAULT_M3TER_BASE_URL).replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new RangeError(`m3ter baseUrl is not a URL: ${baseUrl}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new RangeError(`m3ter baseUrl must be http(s), got ${parsed.protocol}`);
    if (!config.orgId) throw new RangeError('m3ter orgId is required');
    if (!config.apiKey) throw new RangeError('m3ter apiKey is required');
    if (!config.apiSecret) throw new RangeError('m3ter apiSecret is required');
    const timeoutMs = config.timeoutMs ?? 30_000;
    const maxRetries = config.maxRetries ?? 3;
    if (!(timeoutMs > 0)) throw new RangeError('m3ter timeoutMs must be positive');
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new RangeError('m3ter maxRetries must be a non-negative integer');
    this.baseUrl = baseUrl;
    this.orgId = config.orgId;
    this.#apiKey = config.apiKey;
    this.#apiSecret = config.apiSecret;
    this.#timeoutMs = timeoutMs;
    this.#maxRetries = maxRetries;
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    this.#now = config.now ?? Date.now;
    this.#baseDelayMs = config.retryBaseDelayMs ?? 500;
    this.#maxDelayMs = config.retryMaxDelayMs ?? 20_000;
    this.#maxRetryAfterMs = config.maxRetryAfterMs ?? 60_000;
    this.#sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = config.random ?? Math.random;
    this.#userAgent = config.userAgent ?? 'm3ter-quickbooks-sync';
    this.#secrets.add(config.apiSecret);
    this.#secrets.add(this.#basicCredential());
  }

  /** Secrets stay out of console.log / util.inspect. */
  toJSON(): { baseUrl: string; orgId: string } {
    return { baseUrl: this.baseUrl, orgId: this.orgId };
  }

  // ---- bills -----------------------------------------------------------------------------------------

  getBill(id: string, params: { additional?: readonly string[] } = {}): Promise<Bill> {
    return this.#get(this.#org(`/bills/${segment(id)}`), BillSchema, { additional: params.additional });
  }

  /** The latest bill of an account (`GET /bills/latest/{accountId}`). */
  getLatestBill(accountId: string): Promise<Bill> {
    return this.#get(this.#org(`/bills/latest/${segment(accountId)}`), BillSchema);
  }

  listBills(params: ListBillsParams = {}): Promise<Page<Bill>> {
    return this.#page(this.#org('/bills'), BillSchema, { ...params });
  }

  iterateBills(params: Omit<ListBillsParams, 'nextToken'> = {}): AsyncGenerator<Bill, void, undefined> {
    return this.#iterate((nextToken) => this.listBills({ ...params, nextToken }));
  }

  /** The standalone line items of a bill (bands in `bandUsage`). */
  listBillLineItems(billId: string, params: PageParams = {}): Promise<Page<LineItem>> {
    return this.#page(this.#org(`/bills/${segment(billId)}/lineitems`), LineItemSchema, { ...params });
  }

  iterateBillLineItems(
    billId: string,
    params: Omit<PageParams, 'nextToken'> = {},
  ): AsyncGenerator<LineItem, void, undefined> {
    return this.#iterate((nextToken) => this.listBillLineItems(billId, { ...params, nextToken }));
  }

  // ---- reference data --------------------------------------------------------------------------------

  getAccount(id: string): Promise<Account> {
    return this.#get(this.#org(`/accounts/${segment(id)}`), AccountSchema);
  }

  listAccounts(params: ListByCodesParams = {}): Promise<Page<Account>> {
    return this.#page(this.#org('/accounts'), AccountSchema, { ...params });
  }

  iterateAccounts(
    params: Omit<ListByCodesParams, 'nextToken'> = {},
  ): AsyncGenerator<Account, void, undefined> {
    return this.#iterate((nextToken) => this.listAccounts({ ...params, nextToken }));
  }

  getProduct(id: string): Promise<Product> {
    return this.#get(this.#org(`/products/${segment(id)}`), ProductSchema);
  }

  listProducts(params: ListByCodesParams = {}): Promise<Page<Product>> {
    return this.#page(this.#org('/products'), ProductSchema, { ...params });
  }

  iterateProducts(
    params: Omit<ListByCodesParams, 'nextToken'> = {},
  ): AsyncGenerator<Product, void, undefined> {
    return this.#iterate((nextToken) => this.listProducts({ ...params, nextToken }));
  }

  getAggregation(id: string): Promise<Aggregation> {
    return this.#get(this.#org(`/aggregations/${segment(id)}`), AggregationSchema);
  }

  listAggregations(params: ListByCodesParams = {}): Promise<Page<Aggregation>> {
    return this.#page(this.#org('/aggregations'), AggregationSchema, { ...params });
  }

  iterateAggregations(
    params: Omit<ListByCodesParams, 'nextToken'> = {},
  ): AsyncGenerator<Aggregation, void, undefined> {
    return this.#iterate((nextToken) => this.listAggregations({ ...params, nextToken }));
  }

  getCompoundAggregation(id: string): Promise<CompoundAggregation> {
    return this.#get(this.#org(`/compoundaggregations/${segment(id)}`), CompoundAggregationSchema);
  }

  listCompoundAggregations(params: ListByCodesParams = {}): Promise<Page<CompoundAggregation>> {
    return this.#page(this.#org('/compoundaggregations'), CompoundAggregationSchema, { ...params });
  }

  iterateCompoundAggregations(
    params: Omit<ListByCodesParams, 'nextToken'> = {},
  ): AsyncGenerator<CompoundAggregation, void, undefined> {
    return this.#iterate((nextToken) => this.listCompoundAggregations({ ...params, nextToken }));
  }

  /** An organization user (`/users/{id}`). */
  getUser(id: string): Promise<OrgUser> {
    return this.#get(this.#org(`/users/${segment(id)}`), OrgUserSchema);
  }

  listUsers(params: ListByIdsParams = {}): Promise<Page<OrgUser>> {
    return this.#page(this.#org('/users'), OrgUserSchema, { ...params });
  }

  iterateUsers(params: Omit<ListByIdsParams, 'nextToken'> = {}): AsyncGenerator<OrgUser, void, undefined> {
    return this.#iterate((nextToken) => this.listUsers({ ...params, nextToken }));
  }

  getOrganizationConfig(): Promise<OrganizationConfig> {
    return this.#get(this.#org('/organizationconfig'), OrganizationConfigSchema);
  }

  /** The organization's default currency (from its configuration), undefined when it has none. */
  async getDefaultCurrency(): Promise<string | undefined> {
    return (await this.getOrganizationConfig()).currency ?? undefined;
  }

  getEvent(id: string): Promise<M3terEvent> {
    return this.#get(this.#org(`/events/${segment(id)}`), M3terEventSchema);
  }

  // ---- webhook set-up --------------------------------------------------------------------------------

  listWebhookDestinations(params: ListByIdsParams = {}): Promise<Page<WebhookDestination>> {
    return this.#page(this.#org('/integrationdestinations/webhooks'), WebhookDestinationSchema, {
      ...params,
    });
  }

  iterateWebhookDestinations(
    params: Omit<ListByIdsParams, 'nextToken'> = {},
  ): AsyncGenerator<WebhookDestination, void, undefined> {
    return this.#iterate((nextToken) => this.listWebhookDestinations({ ...params, nextToken }));
  }

  getWebhookDestination(id: string): Promise<WebhookDestination> {
    return this.#get(this.#org(`/integrationdestinations/webhooks/${segment(id)}`), WebhookDestinationSchema);
  }

  createWebhookDestination(request: CreateWebhookDestinationRequest): Promise<WebhookDestination> {
    return this.#post(this.#org('/integrationdestinations/webhooks'), WebhookDestinationSchema, request);
  }

  /** Replaces a destination (m3ter checks `version`, the one read). */
  updateWebhookDestination(
    id: string,
    request: CreateWebhookDestinationRequest & { version: number },
  ): Promise<WebhookDestination> {
    return this.#call(
      {
        method: 'PUT',
        path: this.#org(`/integrationdestinations/webhooks/${segment(id)}`),
        body: request,
        idempotent: true,
      },
      WebhookDestinationSchema,
    );
  }

  listNotificationConfigurations(
    params: ListNotificationConfigurationsParams = {},
  ): Promise<Page<NotificationConfiguration>> {
    return this.#page(this.#org('/notifications/configurations'), NotificationConfigurationSchema, {
      ...params,
    });
  }

  iterateNotificationConfigurations(
    params: Omit<ListNotificationConfigurationsParams, 'nextToken'> = {},
  ): AsyncGenerator<NotificationConfiguration, void, undefined> {
    return this.#iterate((nextToken) => this.listNotificationConfigurations({ ...params, nextToken }));
  }

  getNotificationConfiguration(id: string): Promise<NotificationConfiguration> {
    return this.#get(
      this.#org(`/notifications/configurations/${segment(id)}`),
      NotificationConfigurationSchema,
    );
  }

  createNotificationConfiguration(
    request: CreateNotificationConfigurationRequest,
  ): Promise<NotificationConfiguration> {
    return this.#post(this.#org('/notifications/configurations'), NotificationConfigurationSchema, request);
  }

  listIntegrationConfigs(params: ListIntegrationConfigsParams = {}): Promise<Page<IntegrationConfig>> {
    return this.#page(this.#org('/integrationconfigs'), IntegrationConfigSchema, { ...params });
  }

  iterateIntegrationConfigs(
    params: Omit<ListIntegrationConfigsParams, 'nextToken'> = {},
  ): AsyncGenerator<IntegrationConfig, void, undefined> {
    return this.#iterate((nextToken) => this.listIntegrationConfigs({ ...params, nextToken }));
  }

  getIntegrationConfig(id: string): Promise<IntegrationConfig> {
    return this.#get(this.#org(`/integrationconfigs/${segment(id)}`), IntegrationConfigSchema);
  }

  createIntegrationConfig(request: CreateIntegrationConfigRequest): Promise<IntegrationConfig> {
    return this.#post(this.#org('/integrationconfigs'), IntegrationConfigSchema, request);
  }

  /** Forgets the cached token: the next call fetches a new one. */
  invalidateToken(): void {
    this.#token = undefined;
  }

  // ---- plumbing --------------------------------------------------------------------------------------

  #org(rest: string): string {
    return `/organizations/${segment(this.orgId)}${rest}`;
  }

  #basicCredential(): string {
    return Buffer.from(`${this.#apiKey}:${this.#apiSecret}`).toString('base64');
  }

  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (secret) out = out.split(secret).join('[redacted]');
    return out;
  }

  #get<S extends z.ZodType>(path: string, schema: S, query?: Query): Promise<z.infer<S>> {
    return this.#call({ method: 'GET', path, query, idempotent: true }, schema);
  }

  #post<S extends z.ZodType>(path: string, schema: S, body: unknown): Promise<z.infer<S>> {
    return this.#call({ method: 'POST', path, body, idempotent: false }, schema);
  }

  async #page<S extends z.ZodType>(path: string, item: S, query: Query): Promise<Page<z.infer<S>>> {
    const page = await this.#call({ method: 'GET', path, query, idempotent: true }, pageSchema(item));
    return { data: page.data ?? [], nextToken: page.nextToken ? page.nextToken : undefined };
  }

  async *#iterate<T>(
    fetchPage: (nextToken: string | undefined) => Promise<Page<T>>,
  ): AsyncGenerator<T, void, undefined> {
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await fetchPage(nextToken);
      yield* page.data;
      nextToken = page.nextToken;
      if (nextToken !== undefined) {
        // A repeated token would loop forever.
        if (seen.has(nextToken))
          throw new M3terApiError({
            kind: 'invalid_response',
            method: 'GET',
            path: '(pagination)',
            detail: 'm3ter returned the same nextToken twice',
            retryable: false,
            attempts: 1,
          });
        seen.add(nextToken);
      }
    } while (nextToken !== undefined);
  }

  /**
   * A resource call: bearer token, parse the 2xx body. A 401 gets a new token and another try, a few times: a token
   * can expire or be revoked between its grant and its use; credentials m3ter refuses fail at the token endpoint.
   */
  async #call<S extends z.ZodType>(request: Omit<Outgoing, 'authorization'>, schema: S): Promise<z.infer<S>> {
    let token = await this.#accessToken();
    for (let refreshes = 0; ; refreshes++) {
      const res = await this.#send({ ...request, authorization: `Bearer ${token}` });
      if (res.status === 401 && refreshes < MAX_TOKEN_REFRESHES_PER_CALL) {
        if (this.#token?.value === token) this.#token = undefined;
        token = await this.#accessToken();
        continue;
      }
      if (res.status < 200 || res.status > 299) throw this.#httpError(request, res);
      return this.#parse(request, res, schema);
    }
  }

  #parse<S extends z.ZodType>(
    request: Pick<Outgoing, 'method' | 'path'>,
    res: RawResponse,
    schema: S,
  ): z.infer<S> {
    const json = readJson(res.text);
    const result = schema.safeParse(json === undefined ? {} : json);
    if (result.success) return result.data;
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw this.#error(request, {
      kind: 'invalid_response',
      status: res.status,
      detail: `unexpected response body: ${issues}`,
      retryable: false,
      attempts: res.attempts,
    });
  }

  #httpError(request: Pick<Outgoing, 'method' | 'path'>, res: RawResponse): M3terApiError {
    const body = readJson(res.text);
    const message =
      field(body, 'message', 'error_description', 'errorMessage') ??
      field(body, 'error') ??
      (body === undefined && res.text.trim() !== '' ? res.text.trim() : undefined) ??
      (res.statusText || `HTTP ${res.status}`);
    const code =
      field(body, 'code', 'errorCode') ?? (field(body, 'message') ? field(body, 'error') : undefined);
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.#now());
    return this.#error(request, {
      kind: 'http',
      status: res.status,
      ...(code !== undefined ? { code } : {}),
      detail: message.slice(0, MAX_DETAIL_CHARS),
      retryable: isRetryableStatus(res.status),
      attempts: res.attempts,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  #error(
    request: Pick<Outgoing, 'method' | 'path'>,
    details: {
      kind: M3terErrorKind;
      status?: number;
      code?: string;
      detail: string;
      retryable: boolean;
      attempts: number;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ): M3terApiError {
    return new M3terApiError({
      ...details,
      method: request.method,
      path: request.path,
      detail: this.#redact(details.detail),
      ...(details.code !== undefined ? { code: this.#redact(details.code) } : {}),
    });
  }

  /** The cached token while it is fresh; else one shared refresh (the old token if that fails in time). */
  async #accessToken(): Promise<string> {
    const cached = this.#token;
    if (cached && this.#now() < cached.refreshAt) return cached.value;
    try {
      return (await this.#refresh()).value;
    } catch (err) {
      if (cached && this.#token === cached && this.#now() < cached.expiresAt) return cached.value;
      throw err;
    }
  }

  #refresh(): Promise<CachedToken> {
    this.#refreshing ??= this.#fetchToken().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #fetchToken(): Promise<CachedToken> {
    const request = {
      method: 'POST' as const,
      path: '/oauth/token',
      body: { grant_type: 'client_credentials' },
      // Asking for a token twice is harmless.
      idempotent: true,
    };
    const startedAt = this.#now();
    const res = await this.#send({ ...request, authorization: `Basic ${this.#basicCredential()}` });
    if (res.status < 200 || res.status > 299) throw this.#httpError(request, res);
    // The token itself is a secret from here on, even before it is parsed.
    const raw = readJson(res.text);
    const candidate =
      typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).access_token : undefined;
    if (typeof candidate === 'string' && candidate !== '') this.#remember(candidate);
    const parsed = this.#parse(request, res, TokenResponseSchema);
    const lifetimeMs = parsed.expires_in * 1000;
    const token: CachedToken = {
      value: parsed.access_token,
      expiresAt: startedAt + lifetimeMs,
      refreshAt: startedAt + lifetimeMs - refreshMarginMs(lifetimeMs),
    };
    this.#token = token;
    return token;
  }

  #remember(token: string): void {
    this.#secrets.add(token);
    // Keep the secret, the Basic credential and the last few tokens.
    while (this.#secrets.size > 12) {
      const oldest = [...this.#secrets][2];
      if (oldest === undefined) break;
      this.#secrets.delete(oldest);
    }
  }

  /**
   * One request with retries: 429 and 503 always (not processed), other 5xx, network errors and timeouts
   * only when idempotent. Waits Retry-After when given, else exponential backoff with jitter. Returns the
   * final response (2xx or not); throws M3terApiError when no response came.
   */
  async #send(request: Outgoing): Promise<RawResponse> {
    const url = `${this.baseUrl}${request.path}${toQueryString(request.query)}`;
    const headers: Record<string, string> = {
      authorization: request.authorization,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    for (let attempt = 1; ; attempt += 1) {
      const canRetry = attempt <= this.#maxRetries;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.#timeoutMs);
      let res: RawResponse | undefined;
      let failure: { kind: 'network' | 'timeout'; detail: string; cause: unknown } | undefined;
      try {
        const response = await this.#fetch(url, {
          method: request.method,
          headers,
          body,
          signal: controller.signal,
        });
        const text = await response.text();
        res = {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          text,
          attempts: attempt,
        };
      } catch (err) {
        failure = timedOut
          ? { kind: 'timeout', detail: `no response within ${this.#timeoutMs} ms`, cause: undefined }
          : { kind: 'network', detail: networkDetail(err), cause: err };
      } finally {
        clearTimeout(timer);
      }
      if (res) {
        const retryable = request.idempotent
          ? isRetryableStatus(res.status)
          : isNotProcessedStatus(res.status);
        if (!retryable || !canRetry) return res;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.#now());
        if (retryAfter !== undefined && retryAfter > this.#maxRetryAfterMs) return res;
        await this.#sleep(
          retryAfter ?? backoffDelay(attempt, this.#baseDelayMs, this.#maxDelayMs, this.#random),
        );
        continue;
      }
      if (failure && (!request.idempotent || !canRetry)) {
        throw this.#error(request, { ...failure, retryable: true, attempts: attempt });
      }
      await this.#sleep(backoffDelay(attempt, this.#baseDelayMs, this.#maxDelayMs, this.#random));
    }
  }
}
