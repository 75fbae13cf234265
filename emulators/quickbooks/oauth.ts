/**
 * Intuit OAuth 2.0 as the API sees it (quickbooks.md §7): clients, single-use authorization codes bound to a
 * redirect URI, access tokens that expire on the emulator clock, refresh tokens that roll, rotate (the
 * previous one keeps working for a grace period) and hit a hard cap, and revocation of a whole grant.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from './clock';
import type { MintOptions, OAuthClientRegistration, OAuthSettings, TokenSet } from './types';

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
export const DEFAULT_CLIENT: OAuthClientRegistration = {
  clientId: 'ABqboEmulatorClientId0000000000000000000000000000',
  clientSecret: 'qboEmulatorClientSecret00000000000000000',
};

export const DEFAULT_OAUTH_SETTINGS: OAuthSettings = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 8_726_400,
  refreshTokenHardTtlSeconds: 5 * 365 * 24 * 3600,
  rotation: 'always',
  previousRefreshTokenGraceSeconds: 24 * 3600,
  authorizationCodeTtlSeconds: 600,
};

/** An OAuth error as the token endpoint reports it (`{"error": ...}` with 400 or 401). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);

interface Grant {
  id: number;
  clientId: string;
  realmId: string;
  scopes: string[];
  createdAt: number;
  hardExpiresAt: number;
  revoked: boolean;
  latestRefreshToken: string;
}

interface AccessToken {
  grantId: number;
  expiresAt: number;
}

interface RefreshToken {
  grantId: number;
  issuedAt: number;
  expiresAt: number;
  /** Set when a newer refresh token replaced this one: it works until then. */
  graceUntil?: number;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  realmId: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export type AccessCheck =
  { ok: true; realmId: string; scopes: string[] } | { ok: false; status: 401 | 403; detail: string };

function randomToken(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export class OAuthServer {
  private readonly clients = new Map<string, OAuthClientRegistration>();
  private readonly grants = new Map<number, Grant>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private nextGrantId = 1;
  settings: OAuthSettings;

  constructor(
    private readonly clock: EmulatorClock,
    settings: Partial<OAuthSettings> = {},
    clients: OAuthClientRegistration[] = [DEFAULT_CLIENT],
  ) {
    this.settings = { ...DEFAULT_OAUTH_SETTINGS, ...settings };
    for (const c of clients) this.registerClient(c);
  }

  registerClient(client: OAuthClientRegistration): void {
    this.clients.set(client.clientId, { ...client, redirectUris: client.redirectUris ?? [] });
  }

  listClients(): OAuthClientRegistration[] {
    return [...this.clients.values()];
  }

  /** Basic auth of the token and revoke endpoints; `invalid_client` (401) when it does not match. */
  authenticateClient(authorization: string | undefined): OAuthClientRegistration {
    const m = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const client = sep > 0 ? this.clients.get(decoded.slice(0, sep)) : undefined;
    if (!client || client.clientSecret !== decoded.slice(sep + 1)) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
    }
    return client;
  }

  /** The authorize step, auto-approved: a code bound to client, redirect URI, realm and scopes. */
  authorize(params: { clientId: string; redirectUri: string; scopes: string[]; realmId: string }): string {
    const client = this.clients.get(params.clientId);
    if (!client) throw new OAuthError(400, 'invalid_client', `Unknown client_id ${params.clientId}`);
    const allowed = client.redirectUris ?? [];
    if (allowed.length > 0 && !allowed.includes(params.redirectUri)) {
      throw new OAuthError(
        400,
        'invalid_request',
        `redirect_uri ${params.redirectUri} is not registered for this app`,
      );
    }
    const code = randomToken('AB11', 30);
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: params.redirectUri,
      realmId: params.realmId,
      scopes: params.scopes,
      expiresAt: this.clock.now() + this.settings.authorizationCodeTtlSeconds * 1000,
      used: false,
    });
    return code;
  }

  exchangeCode(
    client: OAuthClientRegistration,
    code: string | undefined,
    redirectUri: string | undefined,
    withHardExpiry: boolean,
  ): TokenSet {
    const entry = code ? this.codes.get(code) : undefined;
    if (!entry || entry.used || entry.clientId !== client.clientId)
      throw invalidGrant('Invalid authorization code');
    if (this.clock.now() >= entry.expiresAt) throw invalidGrant('Authorization code expired');
    if (entry.redirectUri !== redirectUri)
      throw invalidGrant('redirect_uri does not match the one used to get the code');
    entry.used = true;
    return this.issue(this.newGrant(client.clientId, entry.realmId, entry.scopes), withHardExpiry);
  }

  refresh(
    client: OAuthClientRegistration,
    refreshToken: string | undefined,
    withHardExpiry: boolean,
  ): TokenSet {
    const now = this.clock.now();
    const record = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    const grant = record ? this.grants.get(record.grantId) : undefined;
    if (!record || !grant || grant.revoked || grant.clientId !== client.clientId)
      throw invalidGrant('Incorrect or invalid refresh token');
    if (now >= record.expiresAt || now >= grant.hardExpiresAt) throw invalidGrant('Refresh token expired');
    if (record.graceUntil !== undefined && now >= record.graceUntil)
      throw invalidGrant('Incorrect or invalid refresh token');
    return this.issue(grant, withHardExpiry);
  }

  /** Revoking a refresh or access token ends the whole grant (Intuit disconnects the app). */
  revoke(token: string): boolean {
    const grantId = this.refreshTokens.get(token)?.grantId ?? this.accessTokens.get(token)?.grantId;
    const grant = grantId === undefined ? undefined : this.grants.get(grantId);
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  /** Test convenience: a fresh grant for a realm without the browser round trip. */
  mint(realmId: string, options: MintOptions = {}): TokenSet {
    const clientId = options.clientId ?? this.clients.keys().next().value ?? DEFAULT_CLIENT.clientId;
    return this.issue(this.newGrant(clientId, realmId, options.scopes ?? [ACCOUNTING_SCOPE]), true);
  }

  checkAccessToken(token: string | undefined, realmId: string): AccessCheck {
    if (!token)
      return { ok: false, status: 401, detail: 'Token invalid: no bearer token in the Authorization header' };
    const record = this.accessTokens.get(token);
    const grant = record ? this.grants.get(record.grantId) : undefined;
    if (!record || !grant)
      return { ok: false, status: 401, detail: `Token invalid: ${token.slice(0, 12)}...` };
    if (grant.revoked) return { ok: false, status: 401, detail: `Token revoked: ${token.slice(0, 12)}...` };
    if (this.clock.now() >= record.expiresAt)
      return { ok: false, status: 401, detail: `Token expired: ${token.slice(0, 12)}...` };
    if (grant.realmId !== realmId) {
      return {
        ok: false,
        status: 403,
        detail: `The access token is for company ${grant.realmId}, not ${realmId}`,
      };
    }
    if (!grant.scopes.includes(ACCOUNTING_SCOPE)) {
      return {
        ok: false,
        status: 403,
        detail: `The access token does not have the ${ACCOUNTING_SCOPE} scope`,
      };
    }
    return { ok: true, realmId: grant.realmId, scopes: grant.scopes };
  }

  /** The grant behind an access token, whatever its state (userinfo). */
  realmOfAccessToken(token: string): string | undefined {
    const record = this.accessTokens.get(token);
    return record ? this.grants.get(record.grantId)?.realmId : undefined;
  }

  /** Every access token (of one realm, or all) expires now; refresh tokens keep working. */
  expireAccessTokens(realmId?: string): number {
    const now = this.clock.now();
    let n = 0;
    for (const record of this.accessTokens.values()) {
      const grant = this.grants.get(record.grantId);
      if (record.expiresAt > now && (realmId === undefined || grant?.realmId === realmId)) {
        record.expiresAt = now;
        n += 1;
      }
    }
    return n;
  }

  /** Back to the given settings and clients, forgetting all grants, tokens and codes. */
  reset(settings: Partial<OAuthSettings>, clients: OAuthClientRegistration[]): void {
    this.settings = { ...DEFAULT_OAUTH_SETTINGS, ...settings };
    this.clients.clear();
    for (const c of clients) this.registerClient(c);
    this.resetTokens();
  }

  /** Forget all grants, tokens and codes (clients and settings stay). */
  resetTokens(): void {
    this.grants.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
  }

  private newGrant(clientId: string, realmId: string, scopes: string[]): Grant {
    const now = this.clock.now();
    const grant: Grant = {
      id: this.nextGrantId++,
      clientId,
      realmId,
      scopes,
      createdAt: now,
      hardExpiresAt: now + this.settings.refreshTokenHardTtlSeconds * 1000,
      revoked: false,
      latestRefreshToken: '',
    };
    this.grants.set(grant.id, grant);
    return grant;
  }

  private newRefreshToken(grant: Grant, now: number): string {
    const token = randomToken('AB11', 36);
    this.refreshTokens.set(token, {
      grantId: grant.id,
      issuedAt: now,
      expiresAt: Math.min(now + this.settings.refreshTokenTtlSeconds * 1000, grant.hardExpiresAt),
    });
    const previous = this.refreshTokens.get(grant.latestRefreshToken);
    if (previous && previous.graceUntil === undefined) {
      previous.graceUntil = Math.min(
        previous.expiresAt,
        now + this.settings.previousRefreshTokenGraceSeconds * 1000,
      );
    }
    grant.latestRefreshToken = token;
    return token;
  }

  /** A new access token and, per the rotation setting, a new refresh token. */
  private issue(grant: Grant, withHardExpiry: boolean): TokenSet {
    const now = this.clock.now();
    const accessToken = randomToken('eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..', 48);
    this.accessTokens.set(accessToken, {
      grantId: grant.id,
      expiresAt: now + this.settings.accessTokenTtlSeconds * 1000,
    });
    const latest = this.refreshTokens.get(grant.latestRefreshToken);
    const rotate =
      !latest ||
      this.settings.rotation === 'always' ||
      (this.settings.rotation === 'daily' &&
        now - latest.issuedAt >= this.settings.previousRefreshTokenGraceSeconds * 1000);
    const refreshToken = rotate ? this.newRefreshToken(grant, now) : grant.latestRefreshToken;
    const record = this.refreshTokens.get(refreshToken);
    const set: TokenSet = {
      x_refresh_token_expires_in: Math.max(0, Math.ceil(((record?.expiresAt ?? now) - now) / 1000)),
      refresh_token: refreshToken,
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.settings.accessTokenTtlSeconds,
    };
    if (withHardExpiry)
      set.x_refresh_token_hard_expires_in = Math.max(0, Math.ceil((grant.hardExpiresAt - now) / 1000));
    return set;
  }
}
