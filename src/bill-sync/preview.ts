import type { Db } from '../db/pool';
import { getBill } from '../db/repositories/bills.repository';
import { getBillDocument } from '../db/repositories/bill-documents.repository';
import { findIntegration } from '../db/repositories/integrations';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import { contentHash } from '../domain/ids';
import { createRealmCaches } from '../activities/bill-sync.activities';
import { resolveQuickBooksCustomer } from '../activities/customer-resolution';
import { buildDocumentForRun } from '../activities/document-build';
import { QuickBooksAuthError, type QuickBooksConnector } from '../quickbooks/connector';
import { accountOfBill, decideEligibility } from './eligibility';

export type Preview =
  | {
      wouldSend: true;
      documentType: 'Invoice' | 'CreditMemo';
      /** Exactly what would be sent (create body; an update sends it with Id and SyncToken). */
      payload: Record<string, unknown>;
      customer: { id: string; via: 'mapping' | 'linked-by-name' | 'created' };
      existingDocument: { type: 'Invoice' | 'CreditMemo'; externalId: string | null } | null;
      /** True when the document in QuickBooks already has this content: a sync would send nothing. */
      unchanged: boolean;
      total: string;
      warnings: string[];
    }
  | { wouldSend: false; status: string; reason: string };

/**
 * The document a sync of this bill would send now, without writing to QuickBooks (it may read: the
 * company's preferences and, when no mapping exists, the customer by name).
 */
export async function previewBillDocument(
  deps: { db: Db; connector: QuickBooksConnector },
  integrationId: string,
  billId: string,
): Promise<Preview> {
  const { db } = deps;
  const integration = await findIntegration(db, integrationId);
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const stored = await getBill(db, billId);
  if (!stored) throw new NotFoundError('Bill', billId);
  const bill = stored.bill;
  const account = await accountOfBill(db, bill);
  const decision = decideEligibility(integration, bill, account);
  if (!decision.send) return { wouldSend: false, status: decision.status, reason: decision.reason };
  const customer = await deps.connector
    .withClient(integration.credentialId, (client) =>
      resolveQuickBooksCustomer({
        db,
        client,
        integration,
        account,
        bill,
        caches: createRealmCaches(),
        readOnly: true,
      }),
    )
    .catch((err: unknown) => {
      // No credential, or one that is not (or no longer) authorized: a state of the integration, not a server fault.
      if (err instanceof QuickBooksAuthError)
        throw new DomainError(ERROR_CODES.INVALID_STATE, `Cannot preview: ${err.message}`, {
          reason: err.reason,
        });
      throw err;
    });
  const built = await buildDocumentForRun(db, {
    integration,
    bill,
    account,
    customerId: customer.customerId,
    currency: customer.currency,
  });
  if (built.kind === 'skip') return { wouldSend: false, status: 'SKIPPED', reason: built.reason };
  const link = await getBillDocument(db, integrationId, billId);
  return {
    wouldSend: true,
    documentType: built.type,
    payload: built.payload,
    customer: { id: customer.customerId, via: customer.via },
    existingDocument: link ? { type: link.documentType, externalId: link.externalId } : null,
    unchanged:
      link?.state === 'synced' &&
      link.payloadHash === contentHash({ type: built.type, payload: built.payload }),
    total: built.total,
    warnings: built.warnings,
  };
}
