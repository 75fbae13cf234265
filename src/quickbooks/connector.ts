import type { Db } from '../db/pool';
import { findCredential, readCredentialTokens, withCredentialLock } from '../db/repositories/credentials';
import type { Destination } from '../domain/integration-settings';
import type { SecretBox } from '../platform/secret-box';
import { QuickBooksClient } from './client';
import type { QuickBooksEndpoints } from './endpoints';
import { QuickBooksError } from './errors';
import { InvalidGrantError, refreshTokens } from './oauth';

/** The credential cannot be used: never authorized, revoked, or its refresh token was refused. */
export class QuickBooksAuthError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-connected' | 'invalid-grant',
  ) {
    super(message);
    this.name = 'QuickBooksAuthError';
  }
}

export interface QuickBooksConnectorOptions {
  db: Db;
  secretBox: SecretBox;
  endpoints: QuickBooksEndpoints;
  /** Refresh this long before the access token expires. */
  refreshSkewMs?: number;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * Hands out QuickBooks clients for a credential. Refreshes the access token only when it has expired or
 * is about to, one refresh at a time per credential across every process (row lock), storing the rotated
 * refresh token in the same transaction. An auth error on a call refreshes once and retries the call.
 */
export class QuickBooksConnector {
  private readonly skewMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: QuickBooksConnectorOptions) {
    this.skewMs = options.refreshSkewMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
  }

  async withClient<T>(credentialId: string | null, fn: (client: QuickBooksClient) => Promise<T>): Promise<T> {
    if (!credentialId) throw new QuickBooksAuthError('No QuickBooks credential is attached to the integration', 'not-connected');
    let session = await this.session(credentialId, undefined);
    try {
      return await fn(this.client(session));
    } catch (err) {
      if (!(err instanceof QuickBooksError && err.kind === 'auth')) throw err;
      session = await this.session(credentialId, session.accessToken);
      return fn(this.client(session));
    }
  }

  private client(s: Session): QuickBooksClient {
    return new QuickBooksClient({
      realmId: s.realmId,
      accessToken: s.accessToken,
      apiBaseUrl: this.options.endpoints.apiBaseUrl[s.destination],
      timeoutMs: this.options.timeoutMs,
    });
  }

  /** Current tokens; refreshed under the credential's lock when expiring or when `rejected` was refused. */
  private async session(credentialId: string, rejected: string | undefined): Promise<Session> {
    const { db, secretBox, endpoints } = this.options;
    const credential = await findCredential(db, credentialId);
    if (!credential || credential.status !== 'AUTHORIZED' || !credential.hasTokens) {
      throw new QuickBooksAuthError(
        `QuickBooks credential ${credentialId} is ${credential ? credential.status : 'missing'}; connect it again`,
        'not-connected',
      );
    }
    if (!rejected && !this.expiring(credential.accessTokenExpiresAt)) {
      const tokens = await readCredentialTokens(db, secretBox, credentialId);
      if (tokens) return { ...tokens, destination: credential.destination };
    }
    const outcome = await withCredentialLock(db, secretBox, credentialId, async (locked): Promise<Session | InvalidGrantError> => {
      const tokens = locked.tokens;
      if (!tokens || locked.credential.status !== 'AUTHORIZED') {
        throw new QuickBooksAuthError(`QuickBooks credential ${credentialId} is ${locked.credential.status}; connect it again`, 'not-connected');
      }
      // Another worker refreshed while we waited for the lock: use its tokens.
      const refreshedMeanwhile = rejected ? tokens.accessToken !== rejected : !this.expiring(tokens.accessTokenExpiresAt);
      if (refreshedMeanwhile) return { ...tokens, destination: locked.credential.destination };
      try {
        const next = await refreshTokens(endpoints, locked.credential.destination, tokens.refreshToken, {
          realmId: tokens.realmId,
          hardExpiresAt: tokens.refreshTokenHardExpiresAt,
        });
        const stored = { ...next, realmId: tokens.realmId };
        await locked.replaceTokens(stored);
        return { ...stored, destination: locked.credential.destination };
      } catch (err) {
        if (!(err instanceof InvalidGrantError)) throw err;
        await locked.setStatus('EXPIRED');
        return err; // returned, not thrown, so the status change commits
      }
    });
    if (outcome instanceof InvalidGrantError) {
      throw new QuickBooksAuthError(`QuickBooks refused the refresh token (${outcome.message}); reconnect the credential`, 'invalid-grant');
    }
    return outcome;
  }

  private expiring(expiresAt: string | null): boolean {
    return !expiresAt || Date.parse(expiresAt) - this.skewMs <= this.now().getTime();
  }
}

interface Session {
  realmId: string;
  accessToken: string;
  destination: Destination;
}
