import type { Queryable } from './common';

/** Up to when a company's changes have been read by the ChangeDataCapture poll; undefined before the first. */
export async function getCdcCursor(db: Queryable, realmId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ changed_since: Date | string }>(
    'SELECT changed_since FROM quickbooks_cdc_cursors WHERE realm_id = $1',
    [realmId],
  );
  return rows[0] ? new Date(rows[0].changed_since) : undefined;
}

/** Moves a company's cursor forward (never back: two polls at once keep the later time). */
export async function saveCdcCursor(
  db: Queryable,
  realmId: string,
  changedSince: Date,
  changes: number,
): Promise<void> {
  await db.query(
    `INSERT INTO quickbooks_cdc_cursors (realm_id, changed_since, changes) VALUES ($1, $2, $3)
     ON CONFLICT (realm_id) DO UPDATE
       SET changed_since = GREATEST(quickbooks_cdc_cursors.changed_since, EXCLUDED.changed_since),
           polled_at = now(), changes = EXCLUDED.changes`,
    [realmId, changedSince.toISOString(), changes],
  );
}
