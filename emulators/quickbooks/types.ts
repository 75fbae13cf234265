/**
 * Public types shared by the in-process control (`emulator/index.ts`) and the HTTP control client
 * (`emulator/control-client.ts`). Plain data only, so they serialize over HTTP unchanged.
 */
import type { JsonObject } from './json';

export type EntityName = 'Invoice' | 'CreditMemo' | 'Customer' | 'Item';
export const ENTITY_NAMES: readonly EntityName[] = ['Invoice', 'CreditMemo', 'Customer', 'Item'];

/** Per-company switches (what QBO keeps in Preferences, plus the emulator's time zone). */
export interface RealmSettings {
  /** Preferences.CurrencyPrefs.MultiCurrencyEnabled (default false). */
  multiCurrency: boolean;
  /** Preferences.CurrencyPrefs.HomeCurrency (default USD). */
  homeCurrency: string;
  /** Preferences.SalesFormsPrefs.CustomTxnNumbers (default false: QBO numbers documents itself). */
  customTxnNumbers: boolean;
  /** The company's UTC offset, used for TxnDate defaults and timestamps (default -07:00). */
  utcOffset: string;
  /** CompanyInfo.CompanyName. */
  companyName: string;
  /**
   * Preferences.AccountingInfoPrefs.BookCloseDate (YYYY-MM-DD, default null): invoices and credit memos dated
   * on or before it cannot be created, changed, voided or deleted (6210).
   */
  bookCloseDate: string | null;
  /**
   * CompanyInfo.Country (default US). A US company creates customers `Taxable: true` with a default tax code,
   * as QBO's US sandbox does.
   */
  country: string;
}

/** QBO's per-realm limits (quickbooks.md §6), off unless enabled. */
export interface LimitSettings {
  enabled: boolean;
  /** Sliding 60 s window on the emulator clock (default 500). */
  requestsPerMinute: number;
  /** Requests in flight at once (default 10). */
  maxConcurrent: number;
  /** Batch requests per minute, a budget of their own beside `requestsPerMinute` (default 40). */
  batchesPerMinute: number;
}

/**
 * How QBO words its throttle, authentication and gateway-timeout replies. Real QBO sends some of them as XML
 * even when JSON was asked for, and older QBO (still seen) throttled with 403 instead of 429.
 */
export interface ReplySettings {
  /** HTTP status of a throttle (limits, `throttleShare`, an injected 429): 429 (default) or 403 (older QBO). */
  throttleStatus: 429 | 403;
  /** Throttle body: `xml` (default: code 3001, as QBO answers) or `json` (Fault with code 003001). */
  throttleFormat: 'xml' | 'json';
  /**
   * 401 body: `json` (default: the lower-case 3200 AuthenticationFailed body QBO sends for a bad bearer
   * token) or `xml` (the AuthenticationFault code 100 "General Authentication Error" body).
   */
  authFormat: 'json' | 'xml';
  /** Body of an injected 504: `xml` (default: code 6002, no Detail, as QBO answers) or `json`. */
  gatewayTimeoutFormat: 'xml' | 'json';
}

/** Share-based fault injection (each share is a probability 0..1, drawn from the seeded generator). */
export interface FaultSettings {
  /** Share of requests answered with a 5xx (one of `errorStatuses`, default [500, 503]). */
  errorShare?: number;
  errorStatuses?: number[];
  /** Share of requests answered 429 ThrottleExceeded. */
  throttleShare?: number;
  /** Share of requests whose connection is dropped before anything happens. */
  dropShare?: number;
  /** Share of requests that are processed and stored, then the connection is dropped without a response. */
  commitThenDropShare?: number;
  /** Added latency in ms, applied to `latencyShare` of the requests (default: all of them). */
  latencyMs?: number;
  latencyShare?: number;
}

/** One deterministic fault, for "the next N requests fail with X". */
export type FaultAction =
  /**
   * 500 → SystemFault body, 503 → HTML page, 429 → the throttle (status and body per ReplySettings),
   * 401 → AuthenticationFailed (per `authFormat`), 504 → GatewayTimeout 6002 (per `gatewayTimeoutFormat`),
   * others → text.
   */
  | { type: 'status'; status: number }
  /** Destroy the connection before processing: nothing is stored. */
  | { type: 'drop' }
  /** Process and store (and record the requestid reply), then destroy the connection without a response. */
  | { type: 'commit-then-drop' }
  /** Wait this long, then process normally. */
  | { type: 'latency'; ms: number }
  /**
   * Answer with this Fault instead of processing: for a request, HTTP 400 with a ValidationFault; for a batch
   * item (`match.target: 'batch-item'`), that item's Fault while the others are processed.
   */
  | { type: 'fault'; code: string; message?: string; detail?: string; element?: string };

/** Which requests a queued fault applies to; every given field must match (case-insensitive). */
export interface FaultMatch {
  /** `api` (default): /v3 routes; `oauth`: the token and revoke endpoints; `batch-item`: one item of a batch. */
  target?: 'api' | 'oauth' | 'batch-item';
  realmId?: string;
  method?: string;
  /** invoice, creditmemo, customer, item, query, batch, preferences, companyinfo; for oauth: token, revoke. */
  entity?: string;
  /** create, update, void, delete, read, query, batch; for oauth: authorization_code, refresh_token, revoke. */
  operation?: string;
}

export interface QueuedFault {
  action: FaultAction;
  match?: FaultMatch;
  /** How many matching requests get this fault (default 1). */
  count?: number;
}

export interface FaultState {
  global: FaultSettings;
  realms: Record<string, FaultSettings>;
  queue: Array<{ action: FaultAction; match?: FaultMatch; remaining: number }>;
}

export interface CountersSnapshot {
  /** Requests to the QBO API and OAuth endpoints (control requests are not counted). */
  total: number;
  api: number;
  oauth: number;
  /** `METHOD entity operation`, e.g. `POST invoice create`, `GET invoice query`, `POST oauth refresh_token`. */
  byOperation: Record<string, number>;
  /** By HTTP status sent; `dropped` for connections closed without a response. */
  byStatus: Record<string, number>;
  byRealm: Record<string, number>;
  /** Throttle replies sent (limits and injected): 429s, and 403s when `throttleStatus` is 403. */
  throttled: number;
  /** Stored changes: creates, updates, voids, deletes (requestid replays are not writes). */
  writes: number;
  writesByEntity: Record<string, number>;
  /** Requests answered from the requestid store. */
  replays: number;
  /** Requests that ended without a response: injected drops (drop, commit-then-drop) and clients that gave up. */
  dropped: number;
  /** Requests that got an injected fault (any kind, latency included). */
  faultsInjected: number;
  /** Metered reads (GET, query, batches of queries only, ChangeDataCapture). */
  reads: number;
  readsByRealm: Record<string, number>;
  /** Batch requests admitted, and the items they carried. */
  batches: number;
  batchItems: number;
  /** The largest batch seen. */
  largestBatch: number;
}

export interface OAuthSettings {
  /** Access token lifetime (default 3600). */
  accessTokenTtlSeconds: number;
  /** Rolling refresh token lifetime (default 8726400, ~101 days). */
  refreshTokenTtlSeconds: number;
  /** Hard cap from the first authorization (default 5 years). */
  refreshTokenHardTtlSeconds: number;
  /** always: a new refresh token on every refresh; daily: a new one when the current is 24 h old; never. */
  rotation: 'always' | 'daily' | 'never';
  /** How long a rotated-away refresh token keeps working (default 86400). */
  previousRefreshTokenGraceSeconds: number;
  /** Authorization codes are single use and expire after this (default 600). */
  authorizationCodeTtlSeconds: number;
}

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Allowed redirect URIs; empty or absent allows any. */
  redirectUris?: string[];
}

/** The token endpoint's JSON (plus realmId for convenience on minted tokens). */
export interface TokenSet {
  x_refresh_token_expires_in: number;
  refresh_token: string;
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  x_refresh_token_hard_expires_in?: number;
}

export interface MintedTokens extends TokenSet {
  realmId: string;
}

export interface MintOptions {
  clientId?: string;
  scopes?: string[];
}

/** All documents of a realm in their API (response) form; deleted ones only as ids. */
export interface RealmDocuments {
  realmId: string;
  Invoice: JsonObject[];
  CreditMemo: JsonObject[];
  Customer: JsonObject[];
  Item: JsonObject[];
  deleted: Array<{ entity: EntityName; Id: string }>;
}

export interface ClockSnapshot {
  nowMs: number;
  iso: string;
}

export interface RealmSummary {
  realmId: string;
  settings: RealmSettings;
  limits: LimitSettings;
  documentCounts: Record<EntityName, number>;
}
