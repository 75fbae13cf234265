import type { Queryable } from '../db/repositories/common';
import { recordIntegrationEvent } from '../db/repositories/integration-events.repository';
import type { QboDocumentType } from '../domain/invoice';
import type { QuickBooksNotification } from '../domain/quickbooks-webhook';
import type { Logger } from '../platform/logger';
import type { QuickBooksConnector } from '../quickbooks/connector';
import type { CreditMemo, Invoice } from '../quickbooks/types';
import { notePaymentState, type PaymentSource } from './paid-documents';
import { heldDocument } from './reconciliation';

/** A change QuickBooks told us about; the CDC poll has the document itself at hand. */
export interface QuickBooksChange extends QuickBooksNotification {
  document?: Invoice | CreditMemo;
}

export interface QuickBooksChangeDeps {
  db: Queryable;
  /** Reads a linked document after an update notification, to learn whether it was paid (absent: not read). */
  connector?: QuickBooksConnector;
  logger?: Logger;
}

export interface QuickBooksChangesOutcome {
  /** Notifications not seen before. */
  new: number;
  /** Integration events recorded (a linked document edited, voided or deleted). */
  events: number;
  /** Linked documents newly learnt to be paid or partly paid (a run in the bill's history each). */
  paid: number;
}

/**
 * What a QuickBooks webhook (or the CDC poll) changes: each notification is kept once (a repeat is ignored),
 * and a change to a document one of our bills is linked to becomes, per integration:
 * - paid or partly paid (read after an update): the bill's run history shows it and updates stop;
 * - edited, voided or deleted: an integration event naming the bill, so it can be resynced.
 * An update whose document still has the SyncToken our last write left is that write's echo: nothing.
 */
export async function processQuickBooksNotifications(
  deps: QuickBooksChangeDeps,
  notifications: readonly QuickBooksChange[],
  source: PaymentSource = 'QuickBooks webhook',
): Promise<QuickBooksChangesOutcome> {
  const { db } = deps;
  const out: QuickBooksChangesOutcome = { new: 0, events: 0, paid: 0 };
  for (const n of notifications) {
    const { rowCount } = await db.query(
      `INSERT INTO quickbooks_notifications (realm_id, entity, entity_id, operation, last_updated)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [n.realmId, n.entity, n.id, n.operation, instant(n.lastUpdated)],
    );
    if (!rowCount) continue;
    out.new += 1;
    if ((n.entity !== 'Invoice' && n.entity !== 'CreditMemo') || n.operation === 'Create') continue;
    const type: QboDocumentType = n.entity;
    const { rows } = await db.query<{
      integration_id: string;
      bill_id: string;
      credential_id: string;
      sync_token: string | null;
    }>(
      `SELECT bd.integration_id, bd.bill_id, bd.sync_token, i.credential_id FROM bill_documents bd
         JOIN integrations i ON i.id = bd.integration_id
         JOIN credentials c ON c.id = i.credential_id
        WHERE c.realm_id = $1 AND bd.document_type = $2 AND bd.external_id = $3 AND bd.state = 'synced'`,
      [n.realmId, type, n.id],
    );
    let document = n.document;
    for (const link of rows) {
      const { integration_id: integrationId, bill_id: billId } = link;
      if (n.operation === 'Update') {
        document ??= await readDocument(deps, link.credential_id, type, n.id);
        // The echo of our own last write: the document is as we left it.
        if (document && document.SyncToken === link.sync_token) continue;
        if (
          document &&
          (await notePaymentState(db, { integrationId, billId }, heldDocument(type, document), source))
        ) {
          // The update was the payment: the run history says so; nothing to resync.
          out.paid += 1;
          continue;
        }
      }
      await recordIntegrationEvent(db, {
        integrationId,
        eventType: 'integration.quickbooks.document.changed',
        billId,
        message: `${n.entity} ${n.id} of bill ${billId}: ${n.operation.toLowerCase()} in QuickBooks${
          n.operation === 'Update'
            ? ' (drift: reconcile or send the bill again)'
            : '; send the bill again to recreate it'
        }`,
        details: { entity: n.entity, externalId: n.id, operation: n.operation, lastUpdated: n.lastUpdated },
      });
      out.events += 1;
    }
  }
  return out;
}

/** The document as QuickBooks holds it now; undefined when it cannot be read (the reconciliation will). */
async function readDocument(
  deps: QuickBooksChangeDeps,
  credentialId: string,
  type: QboDocumentType,
  id: string,
): Promise<Invoice | CreditMemo | undefined> {
  if (!deps.connector) return undefined;
  try {
    return await deps.connector.withClient(credentialId, (client) => client.getDocument(type, id));
  } catch (err) {
    deps.logger?.warn({ err, type, id }, 'QuickBooks notification: the changed document could not be read');
    return undefined;
  }
}

/** The same change reported by a webhook and by CDC carries one time, whatever its offset. */
function instant(lastUpdated: string): string {
  const ms = Date.parse(lastUpdated);
  return Number.isNaN(ms) ? lastUpdated : new Date(ms).toISOString();
}
