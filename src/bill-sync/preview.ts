import type { Db } from '../db/pool';
import { getBillDocument } from '../db/repositories/bill-documents.repository';
import { isUuid } from '../db/repositories/common';
import { decideEligibility } from '../domain/eligibility';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import type { QboDocument } from '../domain/invoice';
import { QuickBooksAuthError, type QuickBooksConnector } from '../quickbooks/connector';
import type { ReferenceCache } from '../settings/reference-cache';
import { createRealmCaches, resolveCustomer, type ResolvedCustomer } from './customer-resolution';
import { buildBillDocument } from './document-build';
import { billContext } from './sync-context';

export type Preview =
  | {
      wouldSend: true;
      documentType: QboDocument['type'];
      /** Exactly what would be sent (create body; an update sends it with Id and SyncToken). */
      payload: QboDocument['payload'];
      customer: { id: string; via: ResolvedCustomer['via'] };
      existingDocument: { type: QboDocument['type']; externalId: string | null } | null;
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
  deps: { db: Db; connector: QuickBooksConnector; reference: ReferenceCache },
  integrationId: string,
  billId: string,
): Promise<Preview> {
  const { db } = deps;
  if (!isUuid(integrationId)) throw new NotFoundError('Integration', integrationId);
  const ctx = await billContext(db, integrationId, billId);
  const decision = decideEligibility(ctx.integration, ctx.bill, ctx.account);
  if (!decision.send) return { wouldSend: false, status: decision.status, reason: decision.reason };
  const customer = await deps.connector
    .withClient(ctx.integration.credentialId, (client) =>
      resolveCustomer({ db, client, caches: createRealmCaches() }, ctx, { readOnly: true }),
    )
    .catch((err: unknown) => {
      // No credential, or one that is not (or no longer) authorized: a state of the integration, not a server fault.
      if (err instanceof QuickBooksAuthError)
        throw new DomainError(ERROR_CODES.INVALID_STATE, `Cannot preview: ${err.message}`, {
          reason: err.reason,
        });
      throw err;
    });
  const built = await buildBillDocument(deps, ctx, customer);
  if (built.kind === 'skip') return { wouldSend: false, status: 'SKIPPED', reason: built.reason };
  const link = await getBillDocument(db, integrationId, billId);
  return {
    wouldSend: true,
    documentType: built.document.type,
    payload: built.document.payload,
    customer: { id: customer.customerId, via: customer.via },
    existingDocument: link ? { type: link.documentType, externalId: link.externalId } : null,
    unchanged: link?.state === 'synced' && link.payloadHash === built.payloadHash,
    total: built.total,
    warnings: built.warnings,
  };
}
