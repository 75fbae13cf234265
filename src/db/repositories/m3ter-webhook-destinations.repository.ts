import type { Queryable } from './common';

/** A destination as stored: its secret still sealed (src/platform/secret-box.ts). */
export interface StoredWebhookDestination {
  m3terDestinationId: string;
  url: string;
  apiKey: string;
  secretSealed: string;
}

export async function listWebhookDestinations(q: Queryable): Promise<StoredWebhookDestination[]> {
  const { rows } = await q.query<{
    m3ter_destination_id: string;
    url: string;
    api_key: string;
    secret_sealed: string;
  }>(
    'SELECT m3ter_destination_id, url, api_key, secret_sealed FROM m3ter_webhook_destinations ORDER BY created_at',
  );
  return rows.map((r) => ({
    m3terDestinationId: r.m3ter_destination_id,
    url: r.url,
    apiKey: r.api_key,
    secretSealed: r.secret_sealed,
  }));
}

/** Stores (or replaces, after a rotation) the credentials of a destination. */
export async function saveWebhookDestination(q: Queryable, d: StoredWebhookDestination): Promise<void> {
  await q.query(
    `INSERT INTO m3ter_webhook_destinations (m3ter_destination_id, url, api_key, secret_sealed)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (m3ter_destination_id) DO UPDATE
       SET url = EXCLUDED.url, api_key = EXCLUDED.api_key, secret_sealed = EXCLUDED.secret_sealed, updated_at = now()`,
    [d.m3terDestinationId, d.url, d.apiKey, d.secretSealed],
  );
}
