import type { Queryable } from './common';

/**
 * Tables `oauth_states` and `credential_expiry_warnings` (migration 0040): the state of QuickBooks connect
 * attempts (hashed, single use, expiring) and which expiry warnings were already recorded.
 */

export async function insertOAuthState(
  q: Queryable,
  state: { stateHash: string; credentialId: string; expiresAt: Date },
): Promise<void> {
  await q.query('INSERT INTO oauth_states (state_hash, credential_id, expires_at) VALUES ($1, $2, $3)', [
    state.stateHash,
    state.credentialId,
    state.expiresAt,
  ]);
}

/** Deletes states that can no longer be used. */
export async function purgeExpiredOAuthStates(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM oauth_states WHERE expires_at <= $1', [now]);
  return rowCount ?? 0;
}

/**
 * Uses a state up: deletes it and says which credential it was issued for, and whether it had expired.
 * Null when no such state exists (never issued, or already used). Atomic, so a state works at most once
 * even when two callbacks race.
 */
export async function consumeOAuthState(
  q: Queryable,
  stateHash: string,
  now: Date,
): Promise<{ credentialId: string; expired: boolean } | null> {
  const { rows } = await q.query<{ credential_id: string; expired: boolean }>(
    'DELETE FROM oauth_states WHERE state_hash = $1 RETURNING credential_id, expires_at <= $2 AS expired',
    [stateHash, now],
  );
  const row = rows[0];
  return row ? { credentialId: row.credential_id, expired: row.expired } : null;
}

/** Forgets every outstanding connect attempt of a credential (after it connected, or was disconnected). */
export async function deleteOAuthStatesOf(q: Queryable, credentialId: string): Promise<void> {
  await q.query('DELETE FROM oauth_states WHERE credential_id = $1', [credentialId]);
}

export type ExpiryKind = 'refresh_token' | 'hard_cap';

/**
 * Claims the warnings of `thresholdsDays` for a credential's `kind` of expiry. Returns the thresholds that
 * were not claimed before (empty: all of them were already warned about).
 */
export async function claimExpiryWarnings(
  q: Queryable,
  warning: { credentialId: string; kind: ExpiryKind; thresholdsDays: number[]; expiresAt: string },
): Promise<number[]> {
  if (warning.thresholdsDays.length === 0) return [];
  const { rows } = await q.query<{ threshold_days: number }>(
    `INSERT INTO credential_expiry_warnings (credential_id, kind, threshold_days, expires_at)
     SELECT $1, $2, t, $4 FROM unnest($3::int[]) AS t
     ON CONFLICT (credential_id, kind, threshold_days) DO NOTHING
     RETURNING threshold_days`,
    [warning.credentialId, warning.kind, warning.thresholdsDays, warning.expiresAt],
  );
  return rows.map((r) => r.threshold_days);
}

/**
 * Deletes recorded warnings whose expiry is no longer inside their window (the token was refreshed, the
 * credential reconnected or its tokens cleared), so the next approach warns again. One credential or all.
 */
export async function clearStaleExpiryWarnings(
  q: Queryable,
  now: Date,
  credentialId?: string,
): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM credential_expiry_warnings w USING credentials c
     WHERE w.credential_id = c.id AND ($2::uuid IS NULL OR c.id = $2::uuid)
       AND (c.status <> 'AUTHORIZED'
         OR (w.kind = 'refresh_token' AND (c.refresh_token_expires_at IS NULL
               OR c.refresh_token_expires_at > $1::timestamptz + make_interval(days => w.threshold_days)))
         OR (w.kind = 'hard_cap' AND (c.refresh_token_hard_expires_at IS NULL
               OR c.refresh_token_hard_expires_at > $1::timestamptz + make_interval(days => w.threshold_days))))`,
    [now, credentialId ?? null],
  );
  return rowCount ?? 0;
}

/** Ids of AUTHORIZED credentials whose refresh token or hard cap ends before `before`. */
export async function credentialsExpiringBefore(q: Queryable, before: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM credentials WHERE status = 'AUTHORIZED'
       AND (refresh_token_expires_at < $1 OR refresh_token_hard_expires_at < $1) ORDER BY id`,
    [before],
  );
  return rows.map((r) => r.id);
}
