import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool';
import { findCredential, withCredentialLock, type Credential } from '../db/repositories/credentials';
import {
  clearStaleExpiryWarnings,
  consumeOAuthState,
  deleteOAuthStatesOf,
  insertOAuthState,
  purgeExpiredOAuthStates,
} from '../db/repositories/quickbooks-connection';
import { NotFoundError } from '../domain/errors';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secret-box';
import type { QuickBooksEndpoints } from './endpoints';
import { InvalidClientError, InvalidGrantError, authorizeUrl, exchangeCode, revokeToken } from './oauth';

/**
 * Connecting a credential to a QuickBooks company (OAuth 2.0 authorization code flow, quickbooks.md §7):
 *
 * 1. `startAuthorization`: a random `state` (256 bits) is issued for the credential and only its SHA-256 is
 *    stored, with an expiry (10 minutes); the operator is sent to Intuit's authorize URL with it.
 * 2. Intuit redirects the browser to the callback with `code`, `state` and `realmId`. `completeAuthorization`
 *    uses the state up (deleted atomically: a replay finds nothing), checks it has not expired, exchanges the
 *    code for tokens and stores them sealed under the credential's row lock → AUTHORIZED.
 * 3. `disconnect` revokes the refresh token at Intuit (which ends the grant) and clears the tokens → REVOKED.
 *
 * The state is the CSRF protection: an attacker cannot make the callback store tokens for a credential
 * without a state the service issued, unused and unexpired, for that credential.
 */

export interface ConnectFlowDeps {
  db: Db;
  secretBox: SecretBox;
  endpoints: QuickBooksEndpoints;
  logger?: Logger;
  /** How long an authorization may take (default 10 minutes). */
  stateTtlMs?: number;
  now?: () => Date;
}

export type ConnectFlowErrorCode =
  | 'INVALID_STATE'
  | 'EXPIRED_STATE'
  | 'ACCESS_DENIED'
  | 'AUTHORIZATION_FAILED'
  | 'INVALID_CALLBACK'
  | 'CODE_REJECTED'
  | 'REALM_MISMATCH'
  | 'QUICKBOOKS_UNAVAILABLE'
  | 'APP_REJECTED';

const STATUS_OF: Record<ConnectFlowErrorCode, number> = {
  INVALID_STATE: 400,
  EXPIRED_STATE: 400,
  ACCESS_DENIED: 400,
  AUTHORIZATION_FAILED: 400,
  INVALID_CALLBACK: 400,
  CODE_REJECTED: 400,
  REALM_MISMATCH: 409,
  QUICKBOOKS_UNAVAILABLE: 502,
  APP_REJECTED: 502,
};

/** A connect or disconnect that did not happen; nothing was stored. The message is safe to show. */
export class ConnectFlowError extends Error {
  readonly status: number;
  constructor(
    readonly code: ConnectFlowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectFlowError';
    this.status = STATUS_OF[code];
  }
}

const DEFAULT_STATE_TTL_MS = 10 * 60_000;

export function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/** Issues a state for the credential and returns the URL that asks Intuit's user to authorize the app. */
export async function startAuthorization(
  deps: ConnectFlowDeps,
  credentialId: string,
): Promise<{ authorizeUrl: string; expiresAt: string }> {
  const credential = await findCredential(deps.db, credentialId);
  if (!credential) throw new NotFoundError('Credential', credentialId);
  const now = (deps.now ?? (() => new Date()))();
  const state = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + (deps.stateTtlMs ?? DEFAULT_STATE_TTL_MS));
  await purgeExpiredOAuthStates(deps.db, now);
  await insertOAuthState(deps.db, { stateHash: hashState(state), credentialId, expiresAt });
  deps.logger?.info(
    { credentialId, destination: credential.destination },
    'QuickBooks authorization started',
  );
  return {
    authorizeUrl: authorizeUrl(deps.endpoints, credential.destination, state),
    expiresAt: expiresAt.toISOString(),
  };
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  realmId?: string;
  error?: string;
  error_description?: string;
}

/** Handles Intuit's redirect back: validates and uses up the state, exchanges the code, stores the tokens. */
export async function completeAuthorization(
  deps: ConnectFlowDeps,
  query: CallbackQuery,
): Promise<Credential> {
  const now = (deps.now ?? (() => new Date()))();
  if (!query.state)
    throw new ConnectFlowError(
      'INVALID_STATE',
      'The callback has no state; start the connection again from the service',
    );
  const issued = await consumeOAuthState(deps.db, hashState(query.state), now);
  if (!issued)
    throw new ConnectFlowError(
      'INVALID_STATE',
      'Unknown or already used state; start the connection again from the service',
    );
  if (issued.expired)
    throw new ConnectFlowError(
      'EXPIRED_STATE',
      'The authorization took too long (its state expired); start the connection again',
    );
  const { credentialId } = issued;
  if (query.error) {
    deps.logger?.warn({ credentialId, error: query.error }, 'QuickBooks authorization not granted');
    if (query.error === 'access_denied') {
      throw new ConnectFlowError(
        'ACCESS_DENIED',
        'The QuickBooks user declined to connect the app; the credential was not changed',
      );
    }
    throw new ConnectFlowError(
      'AUTHORIZATION_FAILED',
      `Intuit reported "${query.error.slice(0, 60)}"; the credential was not changed`,
    );
  }
  if (!query.code || !query.realmId)
    throw new ConnectFlowError('INVALID_CALLBACK', 'The callback lacks the code or the realmId');
  const credential = await findCredential(deps.db, credentialId);
  if (!credential) throw new NotFoundError('Credential', credentialId);
  if (credential.realmId && credential.realmId !== query.realmId) {
    throw new ConnectFlowError(
      'REALM_MISMATCH',
      `Credential "${credential.name}" belongs to QuickBooks company ${credential.realmId}, not ${query.realmId}; create a new credential for that company`,
    );
  }
  let tokens;
  try {
    tokens = await exchangeCode(deps.endpoints, credential.destination, {
      code: query.code,
      realmId: query.realmId,
      state: query.state,
    });
  } catch (err) {
    throw flowErrorOf(
      err,
      'Intuit refused the authorization code (expired or already used); start the connection again',
    );
  }
  const stored = await withCredentialLock(deps.db, deps.secretBox, credentialId, (locked) =>
    locked.replaceTokens(tokens),
  );
  await deleteOAuthStatesOf(deps.db, credentialId);
  await clearStaleExpiryWarnings(deps.db, now, credentialId);
  deps.logger?.info({ credentialId, realmId: stored.realmId }, 'QuickBooks credential connected');
  return stored;
}

/**
 * Revokes the credential's grant at Intuit and forgets its tokens → REVOKED. When Intuit cannot be reached
 * nothing changes (502), so a disconnect never leaves a live grant behind unknowingly.
 */
export async function disconnect(deps: ConnectFlowDeps, credentialId: string): Promise<Credential> {
  const credential = await findCredential(deps.db, credentialId);
  if (!credential) throw new NotFoundError('Credential', credentialId);
  const result = await withCredentialLock(deps.db, deps.secretBox, credentialId, async (locked) => {
    if (locked.tokens) {
      try {
        await revokeToken(deps.endpoints, locked.credential.destination, locked.tokens.refreshToken);
      } catch (err) {
        throw flowErrorOf(err, 'Intuit refused the revocation');
      }
    }
    return locked.clearTokens('REVOKED');
  });
  await deleteOAuthStatesOf(deps.db, credentialId);
  deps.logger?.info(
    { credentialId, realmId: result.realmId },
    'QuickBooks credential disconnected (grant revoked)',
  );
  return result;
}

function flowErrorOf(err: unknown, invalidGrantMessage: string): ConnectFlowError {
  if (err instanceof InvalidGrantError) return new ConnectFlowError('CODE_REJECTED', invalidGrantMessage);
  if (err instanceof InvalidClientError) {
    return new ConnectFlowError(
      'APP_REJECTED',
      "Intuit refused the app's client id/secret; check QBO_CLIENT_ID and QBO_CLIENT_SECRET",
    );
  }
  return new ConnectFlowError(
    'QUICKBOOKS_UNAVAILABLE',
    `Could not reach Intuit: ${err instanceof Error ? err.message : String(err)}`,
  );
}
