import { z } from 'zod';
import type { Queryable } from './common';

const BillDocumentRowSchema = z
  .object({
    integration_id: z.string(),
    bill_id: z.string(),
    state: z.enum(['creating', 'synced']),
    document_type: z.enum(['Invoice', 'CreditMemo']),
    generation: z.number(),
    customer_id: z.string(),
    external_id: z.string().nullable(),
    sync_token: z.string().nullable(),
    payload_hash: z.string().nullable(),
    paid_state: z.enum(['PAID', 'PARTLY_PAID']).nullable().optional(),
    updated_at: z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v)),
  })
  .transform((r) => ({
    integrationId: r.integration_id,
    billId: r.bill_id,
    state: r.state,
    documentType: r.document_type,
    generation: r.generation,
    customerId: r.customer_id,
    externalId: r.external_id,
    syncToken: r.sync_token,
    payloadHash: r.payload_hash,
    /** Paid or partly paid in QuickBooks, as last learnt (null: open, or not known). */
    paidState: r.paid_state ?? null,
    updatedAt: r.updated_at,
  }));

/** The link bill → QuickBooks document for one integration. */
export type BillDocument = z.infer<typeof BillDocumentRowSchema>;

/** A `bill_documents` row (or its to_jsonb form) as a BillDocument. */
export function toBillDocument(row: unknown): BillDocument {
  return BillDocumentRowSchema.parse(row);
}

export async function getBillDocument(
  db: Queryable,
  integrationId: string,
  billId: string,
): Promise<BillDocument | undefined> {
  const { rows } = await db.query('SELECT * FROM bill_documents WHERE integration_id = $1 AND bill_id = $2', [
    integrationId,
    billId,
  ]);
  return rows[0] ? BillDocumentRowSchema.parse(rows[0]) : undefined;
}

/** Records that a create is about to be sent (state 'creating'), before QuickBooks is called. */
export async function markCreating(
  db: Queryable,
  link: {
    integrationId: string;
    billId: string;
    documentType: 'Invoice' | 'CreditMemo';
    generation: number;
    customerId: string;
    payloadHash: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO bill_documents (integration_id, bill_id, state, document_type, generation, customer_id, payload_hash)
     VALUES ($1, $2, 'creating', $3, $4, $5, $6)
     ON CONFLICT (integration_id, bill_id) DO UPDATE
       SET state = 'creating', document_type = EXCLUDED.document_type, generation = EXCLUDED.generation,
           customer_id = EXCLUDED.customer_id, external_id = NULL, sync_token = NULL,
           payload_hash = EXCLUDED.payload_hash, updated_at = now()`,
    [link.integrationId, link.billId, link.documentType, link.generation, link.customerId, link.payloadHash],
  );
}

/** Records the document QuickBooks holds for the bill, after a create or an update. */
export async function markSynced(
  db: Queryable,
  link: {
    integrationId: string;
    billId: string;
    documentType: 'Invoice' | 'CreditMemo';
    generation: number;
    customerId: string;
    externalId: string;
    syncToken: string;
    payloadHash: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO bill_documents (integration_id, bill_id, state, document_type, generation, customer_id, external_id, sync_token, payload_hash)
     VALUES ($1, $2, 'synced', $3, $4, $5, $6, $7, $8)
     ON CONFLICT (integration_id, bill_id) DO UPDATE
       SET state = 'synced', document_type = EXCLUDED.document_type, generation = EXCLUDED.generation,
           customer_id = EXCLUDED.customer_id, external_id = EXCLUDED.external_id, sync_token = EXCLUDED.sync_token,
           payload_hash = EXCLUDED.payload_hash, paid_state = NULL, updated_at = now()`,
    [
      link.integrationId,
      link.billId,
      link.documentType,
      link.generation,
      link.customerId,
      link.externalId,
      link.syncToken,
      link.payloadHash,
    ],
  );
}

export async function listBillDocuments(db: Queryable, integrationId: string): Promise<BillDocument[]> {
  const { rows } = await db.query('SELECT * FROM bill_documents WHERE integration_id = $1 ORDER BY bill_id', [
    integrationId,
  ]);
  return rows.map((r) => BillDocumentRowSchema.parse(r));
}

/**
 * Forgets what our last write sent (a synced link only), so the next sync compares with what QuickBooks holds
 * and writes even when the bill is unchanged: how a resync repairs a document edited, voided or deleted there.
 * Returns what was forgotten (for restorePayloadHash), undefined when there was no synced link.
 */
export async function forgetPayloadHash(
  db: Queryable,
  integrationId: string,
  billId: string,
): Promise<{ payloadHash: string | null } | undefined> {
  const { rows } = await db.query<{ payload_hash: string | null }>(
    `UPDATE bill_documents bd SET payload_hash = NULL
       FROM bill_documents old
      WHERE bd.integration_id = $1 AND bd.bill_id = $2 AND bd.state = 'synced'
        AND old.integration_id = bd.integration_id AND old.bill_id = bd.bill_id
      RETURNING old.payload_hash`,
    [integrationId, billId],
  );
  return rows[0] ? { payloadHash: rows[0].payload_hash } : undefined;
}

/** Puts back what forgetPayloadHash forgot (the request it was for could not be made). */
export async function restorePayloadHash(
  db: Queryable,
  integrationId: string,
  billId: string,
  forgotten: { payloadHash: string | null } | undefined,
): Promise<void> {
  if (!forgotten) return;
  await db.query(
    `UPDATE bill_documents SET payload_hash = $3
      WHERE integration_id = $1 AND bill_id = $2 AND state = 'synced' AND payload_hash IS NULL`,
    [integrationId, billId, forgotten.payloadHash],
  );
}

/**
 * Records the linked document's payment state; true when it changed. Only for the document the link names
 * (a notification about another one changes nothing).
 */
export async function setPaidState(
  db: Queryable,
  link: {
    integrationId: string;
    billId: string;
    documentType: 'Invoice' | 'CreditMemo';
    externalId: string;
    paidState: 'PAID' | 'PARTLY_PAID' | null;
  },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE bill_documents SET paid_state = $5
      WHERE integration_id = $1 AND bill_id = $2 AND state = 'synced' AND document_type = $3 AND external_id = $4
        AND paid_state IS DISTINCT FROM $5`,
    [link.integrationId, link.billId, link.documentType, link.externalId, link.paidState],
  );
  return (rowCount ?? 0) > 0;
}
