import type { Queryable } from './common';

/** Table `console_sessions` (migration 0110): only the hash of a session id is stored. */

export interface ConsoleSessionRecord {
  idHash: string;
  shortId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface Row {
  id_hash: string;
  short_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

const toRecord = (r: Row): ConsoleSessionRecord => ({
  idHash: r.id_hash,
  shortId: r.short_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
});

export async function insertConsoleSession(
  q: Queryable,
  s: { idHash: string; shortId: string; maxAgeSeconds: number },
): Promise<ConsoleSessionRecord> {
  const { rows } = await q.query<Row>(
    `INSERT INTO console_sessions (id_hash, short_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING *`,
    [s.idHash, s.shortId, s.maxAgeSeconds],
  );
  return toRecord(rows[0] as Row);
}

/**
 * The live session with this hash, its last-seen time moved to now — or null when there is none, it ended,
 * passed its absolute end, or was idle longer than `idleSeconds`.
 */
export async function touchConsoleSession(
  q: Queryable,
  idHash: string,
  idleSeconds: number,
): Promise<ConsoleSessionRecord | null> {
  const { rows } = await q.query<Row>(
    `UPDATE console_sessions SET last_seen_at = now()
      WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > now()
        AND last_seen_at > now() - make_interval(secs => $2)
      RETURNING *`,
    [idHash, idleSeconds],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Ends the session (sign-out); true when a live one ended. */
export async function endConsoleSession(q: Queryable, idHash: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE console_sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL`,
    [idHash],
  );
  return (rowCount ?? 0) > 0;
}

/** Forgets sessions that ended or expired more than a day ago. */
export async function deleteStaleConsoleSessions(q: Queryable): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM console_sessions WHERE coalesce(ended_at, expires_at) < now() - interval '1 day'`,
  );
  return rowCount ?? 0;
}
