import type { Queryable } from './common';
import { BillSchema, type Bill } from '../../domain/m3ter';
import { contentHash } from '../../domain/ids';

export interface StoredBill {
  bill: Bill;
  version: number;
  contentHash: string;
  receivedAt: string;
}

export type StoreBillOutcome = 'stored' | 'updated' | 'unchanged' | 'stale';

/**
 * Keeps the newest version of each bill. m3ter may deliver out of order: an older version than the stored
 * one is ignored ('stale'); the same content again is 'unchanged'.
 */
export async function storeBill(
  db: Queryable,
  bill: Bill,
): Promise<{ outcome: StoreBillOutcome; contentHash: string }> {
  const hash = contentHash(bill);
  const { rows } = await db.query<{ inserted: boolean; changed: boolean }>(
    `INSERT INTO bills (id, account_id, version, status, content, content_hash)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE
       SET account_id = EXCLUDED.account_id, version = EXCLUDED.version, status = EXCLUDED.status,
           content = EXCLUDED.content, content_hash = EXCLUDED.content_hash, updated_at = now()
       WHERE bills.version <= EXCLUDED.version AND bills.content_hash <> EXCLUDED.content_hash
     RETURNING (xmax = 0) AS inserted, true AS changed`,
    [bill.id, bill.accountId, bill.version, bill.status, JSON.stringify(bill), hash],
  );
  if (rows[0]) return { outcome: rows[0].inserted ? 'stored' : 'updated', contentHash: hash };
  const current = await db.query<{ version: number; content_hash: string }>(
    'SELECT version, content_hash FROM bills WHERE id = $1',
    [bill.id],
  );
  const row = current.rows[0];
  return { outcome: row && row.content_hash === hash ? 'unchanged' : 'stale', contentHash: hash };
}

/**
 * Stores the bill just read from m3ter's API (the newest there is) and records on the run which version it
 * saw, in one statement.
 */
export async function storeFetchedBill(db: Queryable, runId: string, bill: Bill): Promise<StoredBill> {
  const hash = contentHash(bill);
  await db.query(
    `WITH stored AS (
       INSERT INTO bills (id, account_id, version, status, content, content_hash)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE
         SET account_id = EXCLUDED.account_id, version = EXCLUDED.version, status = EXCLUDED.status,
             content = EXCLUDED.content, content_hash = EXCLUDED.content_hash, updated_at = now()
         WHERE bills.content_hash <> EXCLUDED.content_hash)
     UPDATE integration_runs SET account_id = $2, bill_version = $3, content_hash = $6, updated_at = now()
     WHERE id = $7`,
    [bill.id, bill.accountId, bill.version, bill.status, JSON.stringify(bill), hash, runId],
  );
  return { bill, version: bill.version, contentHash: hash, receivedAt: new Date().toISOString() };
}

export async function getBill(db: Queryable, id: string): Promise<StoredBill | undefined> {
  const { rows } = await db.query<{
    content: unknown;
    version: number;
    content_hash: string;
    received_at: Date;
  }>('SELECT content, version, content_hash, received_at FROM bills WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    bill: BillSchema.parse(row.content),
    version: row.version,
    contentHash: row.content_hash,
    receivedAt: row.received_at.toISOString(),
  };
}

/**
 * Claims a webhook delivery. 'new' the first time; 'processed' when an earlier delivery finished its work
 * (a duplicate: do nothing); 'unfinished' when an earlier delivery stopped half-way (do the work again).
 */
export async function claimWebhookEvent(
  db: Queryable,
  eventId: string,
  eventName: string,
  entityId: string | null,
): Promise<'new' | 'processed' | 'unfinished'> {
  const inserted = await db.query(
    'INSERT INTO webhook_events (event_id, event_name, entity_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
    [eventId, eventName, entityId],
  );
  if (inserted.rowCount === 1) return 'new';
  const { rows } = await db.query<{ processed_at: Date | null }>(
    'SELECT processed_at FROM webhook_events WHERE event_id = $1',
    [eventId],
  );
  return rows[0]?.processed_at ? 'processed' : 'unfinished';
}

export async function markWebhookEventProcessed(db: Queryable, eventId: string): Promise<void> {
  await db.query('UPDATE webhook_events SET processed_at = now() WHERE event_id = $1', [eventId]);
}
