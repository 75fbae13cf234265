import type { Db } from '../db/pool';
import {
  findCredential,
  readCredentialTokens,
  withCredentialLock,
  type Credential,
  type CredentialTokens,
} from '../db/repositories/credentials';
import { clearStaleExpiryWarnings } from '../db/repositories/quickbooks-connection';
import type { Destination } from '../domain/integration-settings';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secret-box';
import { QuickBooksClient } from './client';
import type { RateGovernor } from './rate-governor';
import type { QuickBooksEndpoints } from './endpoints';
import { QuickBooksError } from './errors';
import { DEFAULT_WARNING_DAYS, dueWarnings, recordExpiryWarnings } from './expiry-warnings';
import { InvalidClientError, InvalidGrantError, refreshTokens } from './oauth';

/**
 * The credential cannot be used: never authorized or revoked (`not-connected`), its refresh token was refused
 * (`invalid-grant`, the credential is now EXPIRED), or Intuit refused the app's own client id/secret
 * (`app-rejected`, a configuration problem; the credential is left as it is).
 */
export class QuickBooksAuthError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-connected' | 'invalid-grant' | 'app-rejected',
  ) {
    super(message);
    this.name = 'QuickBooksAuthError';
  }
}

export interface QuickBooksConnectorOptions {
  db: Db;
  secretBox: SecretBox;
  endpoints: QuickBooksEndpoints;
  logger?: Logger;
  /** Refresh this long before the access token expires (default 60 s). */
  refreshSkewMs?: number;
  timeoutMs?: number;
  /** QuickBooks' per-realm limits, shared by all workers (rate-governor.ts). */
  governor?: RateGovernor;
  /** How long to wait for another process's refresh of the same credential (default 45 s; then the call fails and is retried). */
  lockTimeoutMs?: number;
  /** Days before the refresh token or the hard cap runs out at which to warn (default 14 and 3); [] turns warnings off. */
  expiryWarningDays?: readonly number[];
  now?: () => Date;
}

/** A call that gets 401 is retried with a refreshed token at most this often. */
const MAX_REFRESHES_PER_CALL = 3;

interface Session {
  credentialId: string;
  realmId: string;
  accessToken: string;
  destination: Destination;
  accessTokenExpiresAt: string;
}

/** How long a process uses a credential's tokens before reading the credential again (status, tokens). */
const SESSION_RECHECK_MS = 30_000;

/**
 * Hands out QuickBooks clients for a credential.
 *
 * - The access token is refreshed only when it has expired or is about to (`refreshSkewMs`), or when QuickBooks
 *   answered 401 to it; then the call is sent again with the new token (a few times at most; a 401 that a
 *   successful refresh cannot fix becomes a transient error, since only a refused refresh means the grant is gone).
 * - One refresh at a time per credential: within a process, concurrent callers share one refresh; across
 *   processes, the refresh runs in a transaction holding the credential's row lock (SELECT … FOR UPDATE), and
 *   whoever gets the lock next sees the stored tokens and uses them instead of refreshing again. The rotated
 *   refresh token is stored in that same transaction, so a refresh token is never used twice.
 * - `invalid_grant` marks the credential EXPIRED (committed) and fails with QuickBooksAuthError('invalid-grant').
 * - Using a credential whose refresh token or hard cap ends soon records a warning event (once).
 */
export class QuickBooksConnector {
  private readonly skewMs: number;
  private readonly now: () => Date;
  private readonly refreshing = new Map<string, Promise<Session>>();
  /** The tokens this process used last, per credential, and when the credential was last read. */
  private readonly sessions = new Map<string, { session: Session; readAt: number }>();
  private readonly warned = new Set<string>();

  constructor(private readonly options: QuickBooksConnectorOptions) {
    this.skewMs = options.refreshSkewMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
  }

  async withClient<T>(credentialId: string | null, fn: (client: QuickBooksClient) => Promise<T>): Promise<T> {
    if (!credentialId)
      throw new QuickBooksAuthError(
        'No QuickBooks credential is attached to the integration',
        'not-connected',
      );
    let session = await this.session(credentialId);
    for (let refreshed = 0; ; refreshed++) {
      try {
        return await fn(this.client(session));
      } catch (err) {
        if (!(err instanceof QuickBooksError && err.kind === 'auth')) throw err;
        if (refreshed >= MAX_REFRESHES_PER_CALL) {
          // Every refresh succeeded, so Intuit holds the grant valid: the token ran out on the way (a call that
          // waited for the realm's rate limit, a clock ahead of ours). Transient: the activity retries later.
          throw new QuickBooksError(
            `QuickBooks refused ${refreshed + 1} access tokens in a row although each refresh succeeded: ${err.message}`,
            {
              ...err.toJSON(),
              kind: 'unexpected',
            },
          );
        }
        // A 401 is not processed, so the call is safe to send again, with a refreshed token.
        session = await this.refresh(credentialId, session.accessToken);
      }
    }
  }

  private client(s: Session): QuickBooksClient {
    return new QuickBooksClient({
      realmId: s.realmId,
      accessToken: s.accessToken,
      apiBaseUrl: this.options.endpoints.apiBaseUrl[s.destination],
      timeoutMs: this.options.timeoutMs,
      governor: this.options.governor,
    });
  }

  /**
   * The stored tokens when they are good for a while yet; otherwise refreshed ones. A process reads the
   * credential at most every 30 s while its access token lasts: a credential disconnected meanwhile has
   * its tokens revoked, so a call with them gets 401, and the refresh that follows finds it disconnected.
   */
  private async session(credentialId: string): Promise<Session> {
    const known = this.sessions.get(credentialId);
    const nowMs = this.now().getTime();
    if (
      known &&
      nowMs - known.readAt < SESSION_RECHECK_MS &&
      !this.expiring(known.session.accessTokenExpiresAt)
    )
      return known.session;
    const { db, secretBox } = this.options;
    const credential = await findCredential(db, credentialId);
    if (!credential || credential.status !== 'AUTHORIZED' || !credential.hasTokens)
      throw notConnected(credentialId, credential);
    await this.warnIfExpiring(credential);
    if (!this.expiring(credential.accessTokenExpiresAt)) {
      const tokens = await readCredentialTokens(db, secretBox, credentialId);
      if (tokens) return this.remember(toSession(credentialId, tokens, credential.destination));
    }
    return this.refresh(credentialId, undefined);
  }

  private remember(session: Session): Session {
    this.sessions.set(session.credentialId, { session, readAt: this.now().getTime() });
    return session;
  }

  /**
   * A refresh, shared by every caller in this process that needs one at the same time. A caller whose token
   * was `rejected` (401) does not accept the shared result when it is that same token.
   */
  private async refresh(credentialId: string, rejected: string | undefined): Promise<Session> {
    const inFlight = this.refreshing.get(credentialId);
    if (inFlight) {
      const shared = await inFlight;
      if (!rejected || shared.accessToken !== rejected) return shared;
    }
    const started = this.refreshLocked(credentialId, rejected)
      .then((session) => this.remember(session))
      .finally(() => {
        if (this.refreshing.get(credentialId) === started) this.refreshing.delete(credentialId);
      });
    this.refreshing.set(credentialId, started);
    return started;
  }

  /** Refreshes under the credential's row lock, unless someone else already did. */
  private async refreshLocked(credentialId: string, rejected: string | undefined): Promise<Session> {
    const { db, secretBox, endpoints, logger } = this.options;
    const outcome = await withCredentialLock(
      db,
      secretBox,
      credentialId,
      async (locked): Promise<Session | InvalidGrantError> => {
        const tokens = locked.tokens;
        if (!tokens || locked.credential.status !== 'AUTHORIZED')
          throw notConnected(credentialId, locked.credential);
        const destination = locked.credential.destination;
        // Another worker refreshed while we waited for the lock: use its tokens.
        const refreshedMeanwhile =
          (!rejected || tokens.accessToken !== rejected) && !this.expiring(tokens.accessTokenExpiresAt);
        if (refreshedMeanwhile) return toSession(credentialId, tokens, destination);
        try {
          const next = await refreshTokens(endpoints, destination, tokens.refreshToken, {
            realmId: tokens.realmId,
            hardExpiresAt: tokens.refreshTokenHardExpiresAt,
          });
          const stored: CredentialTokens = { ...next, realmId: tokens.realmId };
          await locked.replaceTokens(stored);
          logger?.info(
            {
              credentialId,
              realmId: tokens.realmId,
              rotated: next.refreshToken !== tokens.refreshToken,
              accessTokenExpiresAt: stored.accessTokenExpiresAt,
            },
            'QuickBooks access token refreshed',
          );
          return toSession(credentialId, stored, destination);
        } catch (err) {
          if (err instanceof InvalidClientError) {
            throw new QuickBooksAuthError(
              `Intuit refused the app's client id/secret (${err.message}); check QBO_CLIENT_ID and QBO_CLIENT_SECRET`,
              'app-rejected',
            );
          }
          if (!(err instanceof InvalidGrantError)) throw err;
          await locked.setStatus('EXPIRED');
          logger?.warn(
            { credentialId, realmId: tokens.realmId, intuitTid: err.intuitTid },
            'QuickBooks refused the refresh token; credential EXPIRED',
          );
          return err; // returned, not thrown, so the status change commits
        }
      },
      { lockTimeoutMs: this.options.lockTimeoutMs ?? 45_000 },
    );
    if (outcome instanceof InvalidGrantError) {
      throw new QuickBooksAuthError(
        `QuickBooks refused the refresh token (${outcome.message}); reconnect the credential`,
        'invalid-grant',
      );
    }
    await clearStaleExpiryWarnings(db, this.now(), credentialId).catch(() => undefined);
    return outcome;
  }

  /** Records an expiry warning when one is due (at most one database visit per warning per process). */
  private async warnIfExpiring(credential: Credential): Promise<void> {
    const days = this.options.expiryWarningDays ?? DEFAULT_WARNING_DAYS;
    const due = dueWarnings(credential, this.now(), days).filter(
      (w) => !this.warned.has(`${credential.id}/${w.kind}/${w.thresholdDays}`),
    );
    if (due.length === 0) return;
    try {
      await recordExpiryWarnings(
        { db: this.options.db, logger: this.options.logger, thresholdsDays: days, now: this.now },
        credential,
      );
      for (const w of due) this.warned.add(`${credential.id}/${w.kind}/${w.thresholdDays}`);
    } catch (err) {
      this.options.logger?.error(
        { err, credentialId: credential.id },
        'could not record a credential expiry warning',
      );
    }
  }

  private expiring(expiresAt: string | null): boolean {
    return !expiresAt || Date.parse(expiresAt) - this.skewMs <= this.now().getTime();
  }
}

function toSession(credentialId: string, tokens: CredentialTokens, destination: Destination): Session {
  return {
    credentialId,
    realmId: tokens.realmId,
    accessToken: tokens.accessToken,
    destination,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
  };
}

function notConnected(credentialId: string, credential: Credential | null): QuickBooksAuthError {
  return new QuickBooksAuthError(
    `QuickBooks credential ${credentialId} is ${credential ? credential.status : 'missing'}; connect it again`,
    'not-connected',
  );
}
