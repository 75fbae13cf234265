import type { Queryable } from '../db/repositories/common';
import { recordIntegrationEvent } from '../db/repositories/integration-events.repository';
import type { QuickBooksNotification } from '../domain/quickbooks-webhook';

/**
 * What a QuickBooks webhook changes: each notification is kept once (a repeat is ignored), and a change to a
 * document one of our bills is linked to — edited, voided or deleted in QuickBooks — becomes an integration
 * event on that integration, with the bill, so it can be resynced. Creates and our own writes' echoes are
 * told apart by nothing here: the next reconciliation says what the document holds.
 */
export async function processQuickBooksNotifications(
  db: Queryable,
  notifications: readonly QuickBooksNotification[],
): Promise<{ new: number; events: number }> {
  let fresh = 0;
  let events = 0;
  for (const n of notifications) {
    const { rowCount } = await db.query(
      `INSERT INTO quickbooks_notifications (realm_id, entity, entity_id, operation, last_updated)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [n.realmId, n.entity, n.id, n.operation, n.lastUpdated],
    );
    if (!rowCount) continue;
    fresh += 1;
    if ((n.entity !== 'Invoice' && n.entity !== 'CreditMemo') || n.operation === 'Create') continue;
    const { rows } = await db.query<{ integration_id: string; bill_id: string }>(
      `SELECT bd.integration_id, bd.bill_id FROM bill_documents bd
         JOIN integrations i ON i.id = bd.integration_id
         JOIN credentials c ON c.id = i.credential_id
        WHERE c.realm_id = $1 AND bd.document_type = $2 AND bd.external_id = $3`,
      [n.realmId, n.entity, n.id],
    );
    for (const link of rows) {
      await recordIntegrationEvent(db, {
        integrationId: link.integration_id,
        eventType: 'integration.quickbooks.document.changed',
        billId: link.bill_id,
        message: `${n.entity} ${n.id} of bill ${link.bill_id}: ${n.operation.toLowerCase()} in QuickBooks${
          n.operation === 'Update'
            ? ' (drift: reconcile or send the bill again)'
            : '; send the bill again to recreate it'
        }`,
        details: { entity: n.entity, externalId: n.id, operation: n.operation, lastUpdated: n.lastUpdated },
      });
      events += 1;
    }
  }
  return { new: fresh, events };
}
