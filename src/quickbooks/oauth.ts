import OAuthClient from 'intuit-oauth';
import type { Destination } from '../domain/integration-settings';
import { withTimeout } from '../platform/timeout';
import type { QuickBooksEndpoints } from './endpoints';

/**
 * Intuit's OAuth 2.0 (quickbooks.md §7, §11) through intuit-oauth: the authorize URL, the code exchange, the
 * refresh and the revoke. Nothing here stores anything; every failure becomes one of the three errors below,
 * which carry no token, no client secret and no HTTP request (intuit-oauth's own errors hold the whole axios
 * request, Basic auth header and form body included, so they never leave this module).
 */

/** The scope the product asks for: the QuickBooks Online accounting API. */
export const ACCOUNTING_SCOPE: string = OAuthClient.scopes.Accounting;

/** Tokens as the product stores them: absolute expiry times instead of "seconds from now". */
export interface TokenSet {
  realmId?: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  refreshTokenHardExpiresAt: string | null;
}

/** Intuit said the refresh token (or code) is no good: expired, revoked, rotated away or reused. */
export class InvalidGrantError extends Error {
  constructor(
    message: string,
    readonly intuitTid?: string,
  ) {
    super(message);
    this.name = 'InvalidGrantError';
  }
}

/** Intuit refused the app itself (`invalid_client`): QBO_CLIENT_ID / QBO_CLIENT_SECRET are wrong. Reconnecting does not help. */
export class InvalidClientError extends Error {
  constructor(
    message: string,
    readonly intuitTid?: string,
  ) {
    super(message);
    this.name = 'InvalidClientError';
  }
}

/** The token endpoint could not be reached, timed out or failed; the call may be retried. */
export class TokenEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

/** How long one token-endpoint call (intuit-oauth's own retries included) may take before it counts as failed. */
export const TOKEN_CALL_TIMEOUT_MS = 30_000;

/**
 * intuit-oauth keeps its endpoints in class-level statics (`setAuthorizeURLs`). They are set here on every
 * client and read synchronously by the call that follows, so one process may talk to several OAuth servers
 * (Intuit's and an emulator's) as long as the client is used right after it is created.
 */
export function createOAuthClient(
  endpoints: QuickBooksEndpoints,
  destination: Destination = 'QuickBooks',
): OAuthClient {
  const client = new OAuthClient({
    clientId: endpoints.clientId,
    clientSecret: endpoints.clientSecret,
    environment: destination === 'QuickBooksSandbox' ? 'sandbox' : 'production',
    redirectUri: endpoints.redirectUri,
    includeRefreshTokenHardExpiresIn: true,
    logging: false,
  });
  client.setAuthorizeURLs({
    authorizeEndpoint: endpoints.authorizeUrl,
    tokenEndpoint: endpoints.tokenUrl,
    revokeEndpoint: endpoints.revokeUrl,
    userInfoEndpoint: endpoints.tokenUrl,
  });
  return client;
}

interface RawToken {
  realmId?: string;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  x_refresh_token_expires_in?: number;
  x_refresh_token_hard_expires_in?: number;
}

export function toTokenSet(
  raw: RawToken,
  now: Date,
  fallback?: { realmId?: string; hardExpiresAt?: string | null },
): TokenSet {
  if (!raw.access_token || !raw.refresh_token || !raw.expires_in)
    throw new TokenEndpointError('The token endpoint answered without tokens');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  return {
    realmId: raw.realmId || fallback?.realmId,
    accessToken: raw.access_token,
    refreshToken: raw.refresh_token,
    accessTokenExpiresAt: at(raw.expires_in),
    refreshTokenExpiresAt: at(raw.x_refresh_token_expires_in ?? 8_726_400),
    refreshTokenHardExpiresAt: raw.x_refresh_token_hard_expires_in
      ? at(raw.x_refresh_token_hard_expires_in)
      : (fallback?.hardExpiresAt ?? null),
  };
}

/** Intuit's authorize URL for one connect attempt: the accounting scope and the caller's `state`. */
export function authorizeUrl(
  endpoints: QuickBooksEndpoints,
  destination: Destination,
  state: string,
): string {
  return createOAuthClient(endpoints, destination).authorizeUri({ scope: [ACCOUNTING_SCOPE], state });
}

/**
 * Exchanges the authorization code of a callback for tokens (`grant_type=authorization_code`, with the
 * configured redirect URI). The realm id comes from the callback, as Intuit sends it only there.
 */
export async function exchangeCode(
  endpoints: QuickBooksEndpoints,
  destination: Destination,
  callback: { code: string; realmId: string; state: string },
): Promise<TokenSet & { realmId: string }> {
  const client = createOAuthClient(endpoints, destination);
  const query = new URLSearchParams({
    code: callback.code,
    realmId: callback.realmId,
    state: callback.state,
  }).toString();
  const started = new Date();
  try {
    const response = await bounded(client.createToken(query));
    const tokens = toTokenSet(response.getToken() as RawToken, started, { realmId: callback.realmId });
    return { ...tokens, realmId: callback.realmId };
  } catch (err) {
    throw toOAuthError(err);
  }
}

/** Exchanges a refresh token for new tokens (Intuit may rotate the refresh token). */
export async function refreshTokens(
  endpoints: QuickBooksEndpoints,
  destination: Destination,
  refreshToken: string,
  fallback: { realmId?: string; hardExpiresAt?: string | null },
): Promise<TokenSet> {
  const client = createOAuthClient(endpoints, destination);
  // Expiry is counted from before the request: a slow answer makes the token look older, never younger.
  const started = new Date();
  try {
    const response = await bounded(client.refreshUsingToken(refreshToken));
    return toTokenSet(response.getToken() as RawToken, started, fallback);
  } catch (err) {
    throw toOAuthError(err);
  }
}

/**
 * Revokes a token at Intuit; revoking the refresh token ends the whole grant (the app is disconnected from
 * the company). A token Intuit no longer knows is not an error (RFC 7009).
 */
export async function revokeToken(
  endpoints: QuickBooksEndpoints,
  destination: Destination,
  refreshToken: string,
): Promise<void> {
  const client = createOAuthClient(endpoints, destination);
  try {
    await bounded(client.revoke({ refresh_token: refreshToken }));
  } catch (err) {
    const e = toOAuthError(err);
    if (e instanceof InvalidGrantError) return;
    throw e;
  }
}

export function toOAuthError(err: unknown): Error {
  if (
    err instanceof InvalidGrantError ||
    err instanceof InvalidClientError ||
    err instanceof TokenEndpointError
  )
    return err;
  const e = err as {
    error?: unknown;
    error_description?: unknown;
    intuit_tid?: unknown;
    originalMessage?: unknown;
    message?: unknown;
  } | null;
  const code = typeof e?.error === 'string' ? e.error : undefined;
  const description =
    typeof e?.error_description === 'string' && e.error_description ? e.error_description : undefined;
  const tid = typeof e?.intuit_tid === 'string' && e.intuit_tid ? e.intuit_tid : undefined;
  if (code === 'invalid_grant')
    return new InvalidGrantError(`invalid_grant: ${description ?? 'the token or code was refused'}`, tid);
  if (code === 'invalid_client')
    return new InvalidClientError(
      `invalid_client: ${description ?? 'the app credentials were refused'}`,
      tid,
    );
  // Only the HTTP-level message: never the AuthResponse, the request or the body that intuit-oauth attaches.
  const original =
    typeof e?.originalMessage === 'string' && e.originalMessage
      ? e.originalMessage
      : typeof e?.message === 'string'
        ? e.message
        : String(err);
  const shortCode =
    code && /^[a-z_]{1,40}$/.test(code) && code !== original ? `${code} (${original})` : original;
  return new TokenEndpointError(`Intuit's token endpoint failed: ${shortCode}`.slice(0, 300));
}

/** A token-endpoint call, bounded. */
function bounded<T>(promise: Promise<T>): Promise<T> {
  return withTimeout(
    promise,
    TOKEN_CALL_TIMEOUT_MS,
    () => new TokenEndpointError(`Intuit's token endpoint did not answer within ${TOKEN_CALL_TIMEOUT_MS} ms`),
  );
}
