/**
 * Client-credentials auth: API keys and secrets per organization (m3ter's service users), access tokens with a
 * lifetime on the emulator clock (default 18000 s, as m3ter's).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EmulatorClock } from './clock';
import type { ApiCredentials, AuthSettings, TokenGrantSnapshot } from './types';

export const DEFAULT_TOKEN_TTL_SECONDS = 18000;

interface TokenRecord {
  orgId: string;
  apiKey: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; orgId: string } | { ok: false; status: 401 | 403; reason: string };

function sameString(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export class AuthServer {
  private readonly credentials = new Map<string, ApiCredentials>();
  private readonly tokens = new Map<string, TokenRecord>();
  settings: AuthSettings;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly defaults: Partial<AuthSettings> = {},
  ) {
    this.settings = { tokenTtlSeconds: DEFAULT_TOKEN_TTL_SECONDS, ...defaults };
  }

  register(credentials: ApiCredentials): ApiCredentials {
    const existing = this.credentials.get(credentials.apiKey);
    if (existing && existing.orgId !== credentials.orgId)
      throw new RangeError(`API key ${credentials.apiKey} already belongs to organization ${existing.orgId}`);
    this.credentials.set(credentials.apiKey, { ...credentials });
    return { ...credentials };
  }

  list(orgId?: string): ApiCredentials[] {
    return [...this.credentials.values()].filter((c) => orgId === undefined || c.orgId === orgId);
  }

  /** A token for valid credentials, undefined otherwise. */
  grant(apiKey: string, apiSecret: string): TokenGrantSnapshot | undefined {
    const creds = this.credentials.get(apiKey);
    if (!creds || !sameString(creds.apiSecret, apiSecret)) return undefined;
    return this.mint(creds.orgId, apiKey);
  }

  mint(orgId: string, apiKey = 'control'): TokenGrantSnapshot {
    const token = `m3emu_${randomBytes(24).toString('base64url')}`;
    const ttl = this.settings.tokenTtlSeconds;
    this.tokens.set(token, { orgId, apiKey, expiresAt: this.clock.now() + ttl * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: 'all' };
  }

  check(token: string | undefined, orgId: string): TokenCheck {
    if (token === undefined)
      return { ok: false, status: 401, reason: 'no bearer token in the Authorization header' };
    const record = this.tokens.get(token);
    if (!record) return { ok: false, status: 401, reason: 'unknown access token' };
    if (this.clock.now() >= record.expiresAt)
      return { ok: false, status: 401, reason: 'access token expired' };
    if (record.orgId !== orgId)
      return { ok: false, status: 403, reason: `the token does not give access to organization ${orgId}` };
    return { ok: true, orgId };
  }

  /** Every token (of one organization, or all) expires now; returns how many did. */
  expire(orgId?: string): number {
    let n = 0;
    const now = this.clock.now();
    for (const record of this.tokens.values()) {
      if ((orgId === undefined || record.orgId === orgId) && record.expiresAt > now) {
        record.expiresAt = now;
        n += 1;
      }
    }
    return n;
  }

  reset(): void {
    this.credentials.clear();
    this.tokens.clear();
    this.settings = { tokenTtlSeconds: DEFAULT_TOKEN_TTL_SECONDS, ...this.defaults };
  }
}
