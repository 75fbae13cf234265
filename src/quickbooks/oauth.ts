import OAuthClient from 'intuit-oauth';
import type { Destination } from '../domain/integration-settings';
import type { QuickBooksEndpoints } from './endpoints';

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

/** The token endpoint could not be reached or failed; the refresh may be retried. */
export class TokenEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

/**
 * intuit-oauth keeps its endpoints in class-level statics, so one process talks to one OAuth server:
 * Intuit's, or the emulator's. Configured once, from the endpoints.
 */
export function createOAuthClient(endpoints: QuickBooksEndpoints, destination: Destination = 'QuickBooks'): OAuthClient {
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

export function toTokenSet(raw: RawToken, now: Date, fallback?: { realmId?: string; hardExpiresAt?: string | null }): TokenSet {
  if (!raw.access_token || !raw.refresh_token || !raw.expires_in) throw new TokenEndpointError('The token endpoint answered without tokens');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  return {
    realmId: raw.realmId ?? fallback?.realmId,
    accessToken: raw.access_token,
    refreshToken: raw.refresh_token,
    accessTokenExpiresAt: at(raw.expires_in),
    refreshTokenExpiresAt: at(raw.x_refresh_token_expires_in ?? 8_726_400),
    refreshTokenHardExpiresAt: raw.x_refresh_token_hard_expires_in ? at(raw.x_refresh_token_hard_expires_in) : fallback?.hardExpiresAt ?? null,
  };
}

/** Exchanges a refresh token for new tokens (Intuit may rotate the refresh token). */
export async function refreshTokens(
  endpoints: QuickBooksEndpoints,
  destination: Destination,
  refreshToken: string,
  fallback: { realmId?: string; hardExpiresAt?: string | null },
): Promise<TokenSet> {
  const client = createOAuthClient(endpoints, destination);
  try {
    const response = await client.refreshUsingToken(refreshToken);
    return toTokenSet(response.getToken() as RawToken, new Date(), fallback);
  } catch (err) {
    throw toOAuthError(err);
  }
}

export function toOAuthError(err: unknown): Error {
  if (err instanceof InvalidGrantError || err instanceof TokenEndpointError) return err;
  const e = err as { error?: string; error_description?: string; intuit_tid?: string; message?: string };
  if (e?.error === 'invalid_grant' || e?.error === 'invalid_client') {
    return new InvalidGrantError(`${e.error}: ${e.error_description ?? 'the token was refused'}`, e.intuit_tid);
  }
  return new TokenEndpointError(`Token endpoint failed: ${e?.message ?? String(err)}`);
}
