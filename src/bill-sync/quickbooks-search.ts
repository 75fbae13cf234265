import type { Db } from '../db/pool';
import { isUuid } from '../db/repositories/common';
import { findIntegration } from '../db/repositories/integrations';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import type { ExternalTable } from '../domain/external-mapping';
import { QuickBooksAuthError, type QuickBooksConnector } from '../quickbooks/connector';

/** A QuickBooks customer or item as a mapping picker shows it. */
export interface QuickBooksEntitySummary {
  id: string;
  name: string;
  active: boolean;
  /** Customers: the primary e-mail and currency; items: the item type. */
  email?: string;
  currency?: string;
  type?: string;
}

/**
 * The integration's QuickBooks company's customers (by display name) or items (by name) containing `search`,
 * read live — so a mapping names a QuickBooks id that exists, without copying it by hand.
 */
export async function searchQuickBooks(
  deps: { db: Db; connector: QuickBooksConnector },
  integrationId: string,
  table: ExternalTable,
  search: string,
  limit: number,
): Promise<QuickBooksEntitySummary[]> {
  const integration = isUuid(integrationId) ? await findIntegration(deps.db, integrationId) : null;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const trimmed = search.trim();
  return deps.connector
    .withClient(integration.credentialId, async (client): Promise<QuickBooksEntitySummary[]> =>
      table === 'Customer'
        ? (await client.searchCustomers(trimmed, limit)).map((c) => ({
            id: c.Id,
            name: c.DisplayName,
            active: c.Active !== false,
            ...(c.PrimaryEmailAddr?.Address ? { email: c.PrimaryEmailAddr.Address } : {}),
            ...(c.CurrencyRef?.value ? { currency: c.CurrencyRef.value } : {}),
          }))
        : (await client.searchItems(trimmed, limit)).map((i) => ({
            id: i.Id,
            name: i.Name,
            active: i.Active !== false,
            ...(i.Type ? { type: i.Type } : {}),
          })),
    )
    .catch((err: unknown) => {
      if (err instanceof QuickBooksAuthError)
        throw new DomainError(ERROR_CODES.INVALID_STATE, `Cannot search QuickBooks: ${err.message}`, {
          reason: err.reason,
        });
      throw err;
    });
}
