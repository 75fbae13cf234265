import { DomainError, ERROR_CODES, NotFoundError } from '../../domain/errors';
import {
  CREDENTIAL_STATUSES,
  CredentialStatusSchema,
  type Credential,
  type CredentialStatus,
} from '../../domain/credential';
import { DestinationSchema, type Destination } from '../../domain/integration-settings';
import type { SecretBox } from '../../platform/secret-box';
import { inTransaction, type Db } from '../pool';
import { integrationIdsUsingCredential } from './integrations';
import {
  deleteVersioned,
  isUuid,
  selectPage,
  toIso,
  updateVersioned,
  versionedFields,
  whereEquals,
  type VersionedRow,
  type Page,
  type PageRequest,
  type Queryable,
} from './common';

/**
 * Table `credentials` (migration 0010). Tokens are sealed with the SecretBox before they reach SQL and
 * are opened only by `readCredentialTokens` / `withCredentialLock`; the `Credential` view has no secret.
 */

export { CREDENTIAL_STATUSES, CredentialStatusSchema };
export type { Credential, CredentialStatus };

/** The secret part, in plaintext: only for the QuickBooks client, never for a response, log or workflow payload. */
export interface CredentialTokens {
  realmId: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  refreshTokenHardExpiresAt: string | null;
}

interface CredentialRow extends VersionedRow {
  name: string;
  destination: string;
  realm_id: string | null;
  access_token_sealed: string | null;
  refresh_token_sealed: string | null;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  refresh_token_hard_expires_at: Date | null;
  status: string;
}

const ENTITY = 'Credential';

function toCredential(row: CredentialRow): Credential {
  return {
    ...versionedFields(row),
    name: row.name,
    destination: DestinationSchema.parse(row.destination),
    realmId: row.realm_id,
    status: CredentialStatusSchema.parse(row.status),
    hasTokens: row.access_token_sealed !== null,
    accessTokenExpiresAt: toIso(row.access_token_expires_at),
    refreshTokenExpiresAt: toIso(row.refresh_token_expires_at),
    refreshTokenHardExpiresAt: toIso(row.refresh_token_hard_expires_at),
  };
}

/** The AAD a token is sealed under: a token of one credential (or field) never opens as another. */
function tokenContext(id: string, field: 'accessToken' | 'refreshToken'): string {
  return `credential:${id}:${field}`;
}

function openTokens(box: SecretBox, row: CredentialRow): CredentialTokens | null {
  if (row.access_token_sealed === null || row.refresh_token_sealed === null || row.realm_id === null)
    return null;
  return {
    realmId: row.realm_id,
    accessToken: box.open(row.access_token_sealed, tokenContext(row.id, 'accessToken')),
    refreshToken: box.open(row.refresh_token_sealed, tokenContext(row.id, 'refreshToken')),
    accessTokenExpiresAt: toIso(row.access_token_expires_at) ?? new Date(0).toISOString(),
    refreshTokenExpiresAt: toIso(row.refresh_token_expires_at) ?? new Date(0).toISOString(),
    refreshTokenHardExpiresAt: toIso(row.refresh_token_hard_expires_at),
  };
}

async function findRow(q: Queryable, id: string, forUpdate = false): Promise<CredentialRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await q.query<CredentialRow>(
    `SELECT * FROM credentials WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

async function updateRow(
  q: Queryable,
  id: string,
  expectedVersion: number | undefined,
  set: string,
  values: unknown[],
): Promise<Credential> {
  const target = { table: 'credentials', entity: ENTITY, id, expectedVersion };
  return toCredential(await updateVersioned<CredentialRow>(q, target, set, values));
}

export async function findCredential(q: Queryable, id: string): Promise<Credential | null> {
  const row = await findRow(q, id);
  return row ? toCredential(row) : null;
}

export interface CredentialFilter {
  destination?: Destination;
  status?: CredentialStatus;
}

export async function listCredentials(
  q: Queryable,
  filter: CredentialFilter,
  page: PageRequest,
): Promise<Page<Credential>> {
  const where = whereEquals([
    ['destination', filter.destination],
    ['status', filter.status],
  ]);
  return selectPage<CredentialRow, Credential>(
    q,
    {
      select: '*',
      fromWhere: `FROM credentials ${where.sql}`,
      orderBy: 'created_at, id',
      values: where.values,
    },
    page,
    toCredential,
  );
}

export async function insertCredential(
  q: Queryable,
  input: { name: string; destination: Destination },
): Promise<Credential> {
  const { rows } = await q.query<CredentialRow>(
    'INSERT INTO credentials (name, destination) VALUES ($1, $2) RETURNING *',
    [input.name, input.destination],
  );
  return toCredential(rows[0] as CredentialRow);
}

export async function renameCredential(
  q: Queryable,
  id: string,
  expectedVersion: number,
  name: string,
): Promise<Credential> {
  return updateRow(q, id, expectedVersion, 'name = $1', [name]);
}

/** Sets the status (e.g. REVOKED after a revoke, EXPIRED when the refresh token has run out). */
export async function setCredentialStatus(
  q: Queryable,
  id: string,
  status: CredentialStatus,
  expectedVersion?: number,
): Promise<Credential> {
  return updateRow(q, id, expectedVersion, 'status = $1', [status]);
}

/** Deletes; a credential still attached to an integration cannot go (409 naming the integrations). */
export async function deleteCredential(q: Queryable, id: string, expectedVersion?: number): Promise<void> {
  const integrationIds = await integrationIdsUsingCredential(q, id);
  if (integrationIds.length > 0) {
    throw new DomainError(
      ERROR_CODES.INVALID_STATE,
      `Credential ${id} is attached to integration(s) ${integrationIds.join(', ')}; disconnect it first`,
      { entity: ENTITY, id, integrationIds },
    );
  }
  await deleteVersioned(q, 'credentials', ENTITY, id, expectedVersion);
}

/**
 * Stores new tokens (sealed) and marks the credential AUTHORIZED. Use inside `withCredentialLock` when
 * the new tokens depend on the old ones (a refresh); a standalone call is one atomic UPDATE.
 */
export async function storeCredentialTokens(
  q: Queryable,
  box: SecretBox,
  id: string,
  tokens: CredentialTokens,
  expectedVersion?: number,
): Promise<Credential> {
  return updateRow(
    q,
    id,
    expectedVersion,
    `realm_id = $1, access_token_sealed = $2, refresh_token_sealed = $3, access_token_expires_at = $4,
     refresh_token_expires_at = $5, refresh_token_hard_expires_at = $6, status = 'AUTHORIZED'`,
    [
      tokens.realmId,
      box.seal(tokens.accessToken, tokenContext(id, 'accessToken')),
      box.seal(tokens.refreshToken, tokenContext(id, 'refreshToken')),
      tokens.accessTokenExpiresAt,
      tokens.refreshTokenExpiresAt,
      tokens.refreshTokenHardExpiresAt,
    ],
  );
}

/** Removes the tokens (after a revoke or a disconnect at Intuit) and sets the status. */
export async function clearCredentialTokens(
  q: Queryable,
  id: string,
  status: CredentialStatus,
  expectedVersion?: number,
): Promise<Credential> {
  return updateRow(
    q,
    id,
    expectedVersion,
    `access_token_sealed = NULL, refresh_token_sealed = NULL, access_token_expires_at = NULL,
     refresh_token_expires_at = NULL, refresh_token_hard_expires_at = NULL, status = $1`,
    [status],
  );
}

/** The plaintext tokens of a credential, or null when it has none. Throws NotFoundError for an unknown id. */
export async function readCredentialTokens(
  q: Queryable,
  box: SecretBox,
  id: string,
): Promise<CredentialTokens | null> {
  const row = await findRow(q, id);
  if (!row) throw new NotFoundError(ENTITY, id);
  return openTokens(box, row);
}

export interface LockedCredential {
  credential: Credential;
  tokens: CredentialTokens | null;
  /** Replaces both tokens in the same transaction, still under the lock. */
  replaceTokens(tokens: CredentialTokens): Promise<Credential>;
  setStatus(status: CredentialStatus): Promise<Credential>;
  /** Removes both tokens and sets the status, in the same transaction (a disconnect). */
  clearTokens(status: CredentialStatus): Promise<Credential>;
}

/**
 * Runs `fn` in a transaction holding the credential's row lock (SELECT … FOR UPDATE): a token refresh
 * reads the current refresh token, calls Intuit and replaces both tokens before anyone else can read them.
 * Concurrent callers queue; the second sees the tokens the first stored. `lockTimeoutMs` bounds the wait
 * (PostgreSQL `lock_timeout`; the call then fails with "lock_not_available" and may be retried).
 */
export async function withCredentialLock<T>(
  db: Db,
  box: SecretBox,
  id: string,
  fn: (locked: LockedCredential) => Promise<T>,
  options: { lockTimeoutMs?: number } = {},
): Promise<T> {
  return inTransaction(db, async (client) => {
    if (options.lockTimeoutMs !== undefined) {
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`);
    }
    const row = await findRow(client, id, true);
    if (!row) throw new NotFoundError(ENTITY, id);
    return fn({
      credential: toCredential(row),
      tokens: openTokens(box, row),
      replaceTokens: (tokens) => storeCredentialTokens(client, box, id, tokens),
      setStatus: (status) => setCredentialStatus(client, id, status),
      clearTokens: (status) => clearCredentialTokens(client, id, status),
    });
  });
}
